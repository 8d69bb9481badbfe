import { DataTypes, type Model, type ModelStatic } from "sequelize";

/**
 * Model instances from one hand-written joined query. Hot paths (authentication,
 * user lists) read several models in one statement; Sequelize's include
 * machinery costs more than the query itself there, so they select
 * `alias.column AS prefix_attribute` and build the instances directly.
 */

/** `alias.column AS prefix_attribute` for every attribute of a model but `skip` (new columns come along by themselves). */
export function columnsOf<M extends Model>(
  model: ModelStatic<M>,
  alias: string,
  prefix: string,
  skip: ReadonlySet<string> = new Set(),
): string[] {
  return Object.entries(model.getAttributes())
    .filter(([name]) => !skip.has(name))
    .map(([name, attribute]) => `${alias}.${attribute.field ?? name} AS ${prefix}${name}`);
}

/** Read from the database as they are; `includeValidated` (not in Sequelize's types): no includes to work out. */
const BUILD_OPTIONS = { isNewRecord: false, raw: true, includeValidated: true };

type Kind = "date" | "boolean" | "plain";
type Plan = { key: string; name: string; kind: Kind }[];
const plans = new WeakMap<object, Map<string, Plan>>();

/** Which columns of a row make which attribute, and how to type them; worked out once per model and prefix. */
function planOf(model: ModelStatic<Model>, prefix: string): Plan {
  let byPrefix = plans.get(model);
  if (!byPrefix) {
    byPrefix = new Map();
    plans.set(model, byPrefix);
  }
  let plan = byPrefix.get(prefix);
  if (!plan) {
    plan = Object.entries(model.getAttributes()).map(([name, attribute]) => ({
      key: `${prefix}${name}`,
      name,
      kind:
        attribute.type instanceof DataTypes.DATE
          ? "date"
          : attribute.type instanceof DataTypes.BOOLEAN
            ? "boolean"
            : "plain",
    }));
    byPrefix.set(prefix, plan);
  }
  return plan;
}

/**
 * An instance from the `prefix` columns of a row, with values typed as
 * Sequelize types them when it reads the model itself (dates, booleans);
 * null when the row has no such record (a LEFT JOIN that found nothing).
 */
export function instanceOf<M extends Model>(
  model: ModelStatic<M>,
  row: Record<string, unknown>,
  prefix: string,
): M | null {
  const id = row[`${prefix}id`];
  if (id === null || id === undefined) return null;
  const values: Record<string, unknown> = {};
  for (const { key, name, kind } of planOf(model, prefix)) {
    if (!(key in row)) continue;
    const value = row[key];
    if (value === null || value === undefined) values[name] = null;
    else if (kind === "date") values[name] = value instanceof Date ? value : new Date(String(value));
    else if (kind === "boolean") values[name] = Boolean(Number(value));
    else values[name] = value;
  }
  return model.build(values as M["_creationAttributes"], BUILD_OPTIONS);
}
