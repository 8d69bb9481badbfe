import type { Transaction } from "sequelize";
import { badRequest } from "../../core/errors.js";
import { LibraryRule, LibraryTitle, PATRON_CATEGORIES, type PatronCategory } from "../models/index.js";

export interface RuleInput {
  patronCategory: PatronCategory;
  titleCategory: string;
  loanDays: number;
  maxLoans: number;
  maxHolds: number;
  maxRenewals: number;
  claimDays: number;
}

/** The loan rules, patron category then title category (general first). */
export async function listRules(t?: Transaction): Promise<LibraryRule[]> {
  const rules = await LibraryRule.findAll({ transaction: t });
  const order = (r: LibraryRule) => PATRON_CATEGORIES.indexOf(r.patronCategory);
  return rules.sort(
    (a, b) =>
      order(a) - order(b) ||
      Number(b.titleCategory === "general") - Number(a.titleCategory === "general") ||
      a.titleCategory.localeCompare(b.titleCategory),
  );
}

/** The title categories in use: those of titles and of rules, general always. */
export async function titleCategories(t?: Transaction): Promise<string[]> {
  const titles = await LibraryTitle.findAll({
    attributes: ["titleCategory"],
    group: ["titleCategory"],
    raw: true,
    transaction: t,
  });
  const rules = await LibraryRule.findAll({ attributes: ["titleCategory"], raw: true, transaction: t });
  return [...new Set(["general", ...titles.map((x) => x.titleCategory), ...rules.map((x) => x.titleCategory)])];
}

/**
 * Replaces the loan rules with `rules` (what the rules screen shows is what
 * it saves). Each patron category keeps a general rule, so that no title is
 * left without one; a pair given twice is refused. Loans already made keep
 * their due dates; the new rules count from the next borrowing, renewal or hold.
 */
export async function replaceRules(rules: readonly RuleInput[], t: Transaction): Promise<LibraryRule[]> {
  const seen = new Set<string>();
  for (const rule of rules) {
    const key = `${rule.patronCategory}\u0000${rule.titleCategory}`;
    if (seen.has(key))
      throw badRequest("library_rule_duplicate", "A patron category has two rules for one title category", rule);
    seen.add(key);
  }
  for (const category of PATRON_CATEGORIES) {
    if (!rules.some((r) => r.patronCategory === category && r.titleCategory === "general"))
      throw badRequest("library_rule_general_missing", `Patron category ${category} needs a general rule`, {
        patronCategory: category,
      });
  }
  await LibraryRule.destroy({ where: {}, transaction: t });
  await LibraryRule.bulkCreate(
    rules.map((r) => ({ ...r })),
    { transaction: t },
  );
  return listRules(t);
}
