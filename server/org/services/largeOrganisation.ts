import type { Sequelize } from "sequelize";
import type { CreationAttributes } from "sequelize";
import { Department, Position, Unit, User } from "../models/index.js";
import { NO_PASSWORD } from "./passwords.js";
import { generatedName } from "./personNames.js";
import { newUserRow } from "./users.js";
import { createUnit } from "./units.js";

/**
 * Generates a large organisation for benchmarks: `units` units under one root,
 * five departments each, and `users` accounts spread evenly, inserted in
 * batches. Accounts have no usable password (benchmarks sign in through
 * accounts they create themselves).
 */
export async function generateLargeOrganisation(
  sequelize: Sequelize,
  props: { units: number; users: number; prefix?: string },
): Promise<{ units: number; departments: number; users: number }> {
  const prefix = props.prefix ?? "gen";
  const position =
    (await Position.findOne({ where: { name: "科员" } })) ?? (await Position.create({ name: "科员", rank: 20 }));
  const departmentIds: { unitId: number; id: number }[] = [];
  await sequelize.transaction(async (t) => {
    const root = await createUnit(
      { name: `生成的组织 ${prefix}`, code: `${prefix}.root`, shortName: null, kind: "government", parent: null },
      t,
    );
    for (let u = 0; u < props.units; u++) {
      const unit = await createUnit(
        { name: `第${u + 1}单位`, code: `${prefix}.u${u + 1}`, shortName: null, kind: "bureau", parent: root },
        t,
      );
      const depts = await Department.bulkCreate(
        ["办公室", "一科", "二科", "三科", "四科"].map((name, sortOrder) => ({ unitId: unit.id, name, sortOrder })),
        { transaction: t },
      );
      for (const d of depts) departmentIds.push({ unitId: unit.id, id: d.id });
    }
  });
  const batchSize = 2000;
  for (let start = 0; start < props.users; start += batchSize) {
    const rows: CreationAttributes<User>[] = [];
    for (let i = start; i < Math.min(props.users, start + batchSize); i++) {
      const dept = departmentIds[i % departmentIds.length];
      if (!dept) break;
      rows.push(
        newUserRow({
          username: `${prefix}.user${i + 1}`,
          displayName: generatedName(i),
          unitId: dept.unitId,
          departmentId: dept.id,
          positionId: position.id,
          passwordHash: NO_PASSWORD,
        }),
      );
    }
    await sequelize.transaction((t) => User.bulkCreate(rows, { transaction: t }));
  }
  return { units: props.units + 1, departments: departmentIds.length, users: props.users };
}

export async function countOrganisation() {
  return { units: await Unit.count(), users: await User.count() };
}
