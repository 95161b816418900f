/**
 * Where INFO's figures come from besides the report's own (info-report.ts): the module that
 * owns a figure registers it here when it is built, by section — the blocking registry its
 * key counts in `clients`, the persistence layer the whole `persistence` section — and the
 * report asks the registry when it builds that section. One mechanism, registered
 * explicitly by the owner at construction; nothing is registered by importing a module.
 *
 * Contract: a source is called each time its section is shown, and must be cheap and
 * side-effect free. Its fields replace the report's built-in field of the same name in
 * place (Redis's order is kept: the report lists idle values such as
 * `total_blocking_keys:0` where the owner's live figure goes), and fields the report does
 * not list are appended, in registration order.
 */

/** INFO sections, in output order. */
export const INFO_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'modules',
  'commandstats',
  'errorstats',
  'latencystats',
  'cluster',
  'keyspace',
  // event-loop internals, as Redis 7.2: only when asked for by name (not in all/everything)
  'debug',
  // Redoubt's own section: only when asked for by name (INFO security), so `INFO all`
  // stays what Redis tools expect
  'security',
] as const;
export type InfoSection = (typeof INFO_SECTIONS)[number];

/** An INFO section's fields: name → value, in order. */
export type InfoFields = [string, string | number][];

/** An owner's figures for one section. */
export type InfoSource = () => readonly (readonly [string, string | number])[];

export class InfoRegistry {
  private readonly sources = new Map<InfoSection, InfoSource[]>();

  /** An owner's fields in `section` (see the contract above). */
  register(section: InfoSection, source: InfoSource): void {
    const list = this.sources.get(section);
    if (list === undefined) this.sources.set(section, [source]);
    else list.push(source);
  }

  /** `builtIn` (modified in place) with every registered source's fields merged in. */
  fields(section: InfoSection, builtIn: InfoFields): InfoFields {
    for (const source of this.sources.get(section) ?? []) {
      for (const [k, v] of source()) {
        const at = builtIn.findIndex(([name]) => name === k);
        if (at === -1) builtIn.push([k, v]);
        else builtIn[at] = [k, v];
      }
    }
    return builtIn;
  }
}
