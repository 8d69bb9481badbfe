import { Op, type Transaction } from "sequelize";
import type { Actor } from "../../core/actor.js";
import { conflict } from "../../core/errors.js";
import { Unit } from "../../org/models/index.js";
import { NumberCode, NumberLog } from "../models/document.js";

/** The demo's 机关代字: each unit's short name with 发 (南府发, 南教发, …). */
export async function seedDemoNumberCodes(t?: Transaction): Promise<number> {
  const units = await Unit.findAll({ where: { shortName: { [Op.ne]: null } }, transaction: t });
  const taken = new Set((await NumberCode.findAll({ attributes: ["unitId"], transaction: t })).map((c) => c.unitId));
  let made = 0;
  for (const unit of units) {
    if (taken.has(unit.id) || !unit.shortName) continue;
    await NumberCode.create(
      { unitId: unit.id, code: `${unit.shortName}发`, name: `${unit.name}发文` },
      { transaction: t },
    );
    made++;
  }
  return made;
}

/** Unit ids under the paths where `code` holds for the actor, or "all". */
export async function unitIdsWhere(
  actor: Actor,
  code: "oa.document.register" | "oa.process.manage",
): Promise<"all" | number[]> {
  const scope = actor.scopeOf(code);
  if (scope === "all") return "all";
  if (!scope.length) return [];
  const units = await Unit.findAll({
    where: { [Op.or]: scope.map((path) => ({ path: { [Op.like]: `${path}%` } })) },
    attributes: ["id"],
  });
  return units.map((u) => u.id);
}

export async function createNumberCode(
  props: { unitId: number; code: string; name: string },
  t: Transaction,
): Promise<NumberCode> {
  if (await NumberCode.findOne({ where: { code: props.code }, transaction: t })) {
    throw conflict("code_taken", `The issuer code ${props.code} is already in use`);
  }
  return NumberCode.create(props, { transaction: t });
}

export function numberLogOf(codeId: number, year: number | undefined) {
  return NumberLog.findAll({
    where: { codeId, ...(year ? { year } : {}) },
    order: [
      ["year", "DESC"],
      ["seq", "DESC"],
    ],
    limit: 1000,
  });
}
