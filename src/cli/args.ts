/**
 * A small getopt_long: the option syntax inotify-tools accepts.
 * `-m -r` or `-mr`, `-e create` or `-ecreate`, `--event create` or
 * `--event=create`, repeated flags counted (`-qq`), `--` ends the options.
 * Anything else is a positional argument, in order.
 */

export interface OptionSpec {
  /** The long name, without dashes: the key in the result. */
  long: string;
  short?: string;
  /** Takes a value. */
  value?: boolean;
}

export interface ParsedArgs {
  /** For a flag: how many times it was given; for an option with a value: every value, in order. */
  readonly flags: Map<string, number>;
  readonly values: Map<string, string[]>;
  readonly positionals: string[];
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short!, s]));
  const flags = new Map<string, number>();
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  const set = (spec: OptionSpec, value: string | undefined): void => {
    if (spec.value) {
      if (value === undefined) throw new UsageError(`option '${spec.long}' needs a value`);
      const list = values.get(spec.long) ?? [];
      list.push(value);
      values.set(spec.long, list);
    } else {
      flags.set(spec.long, (flags.get(spec.long) ?? 0) + 1);
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = byLong.get(name);
      if (spec === undefined) throw new UsageError(`unrecognized option '--${name}'`);
      if (eq >= 0) {
        if (!spec.value) throw new UsageError(`option '--${name}' doesn't allow an argument`);
        set(spec, arg.slice(eq + 1));
      } else {
        set(spec, spec.value ? argv[++i] : undefined);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const spec = byShort.get(arg[j]!);
        if (spec === undefined) throw new UsageError(`invalid option -- '${arg[j]}'`);
        if (spec.value) {
          const rest = arg.slice(j + 1);
          set(spec, rest !== '' ? rest : argv[++i]);
          break;
        }
        set(spec, undefined);
      }
      continue;
    }
    positionals.push(arg);
  }
  return { flags, values, positionals };
}

/** The last value of an option, or undefined. */
export function lastValue(args: ParsedArgs, long: string): string | undefined {
  return args.values.get(long)?.at(-1);
}
