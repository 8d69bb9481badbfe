import type { Sequelize, Transaction } from "sequelize";
import { Department, Position, Role, RoleAssignment, type Unit, User } from "../models/index.js";
import { PUBLIC_UNIT_KIND, type UnitKind } from "../models/unit.js";
import { generatePassword, hashPassword, NO_PASSWORD } from "./passwords.js";
import { newUserRow } from "./users.js";
import { demoName } from "./personNames.js";
import { createUnit } from "./units.js";

/** 南宁市 as of 2006: the city government, its office, six districts, six counties and the 委办局. */
const DISTRICTS = ["兴宁区", "青秀区", "江南区", "西乡塘区", "良庆区", "邕宁区"];
const COUNTIES = ["武鸣县", "横县", "宾阳县", "上林县", "马山县", "隆安县"];
const BUREAUS: [name: string, code: string, short: string][] = [
  ["南宁市发展和改革委员会", "fgw", "南发改"],
  ["南宁市教育局", "jyj", "南教"],
  ["南宁市财政局", "czj", "南财"],
  ["南宁市公安局", "gaj", "南公"],
  ["南宁市人事局", "rsj", "南人"],
  ["南宁市卫生局", "wsj", "南卫"],
  ["南宁市交通局", "jtj", "南交"],
  ["南宁市建设委员会", "jsw", "南建"],
  ["南宁市国土资源局", "gtj", "南国土"],
  ["南宁市工商行政管理局", "gsj", "南工商"],
  ["南宁市地方税务局", "dsj", "南地税"],
  ["南宁市统计局", "tjj", "南统"],
  ["南宁市档案局", "daj", "南档"],
  ["南宁市外事侨务办公室", "wqb", "南外侨"],
  ["南宁市民政局", "mzj", "南民"],
  ["南宁市劳动和社会保障局", "ldj", "南劳社"],
  ["南宁市文化局", "whj", "南文"],
  ["南宁市审计局", "sjj", "南审"],
];
const PINYIN_OF: Record<string, string> = {
  兴宁区: "xingning",
  青秀区: "qingxiu",
  江南区: "jiangnan",
  西乡塘区: "xixiangtang",
  良庆区: "liangqing",
  邕宁区: "yongning",
  武鸣县: "wuming",
  横县: "hengxian",
  宾阳县: "binyang",
  上林县: "shanglin",
  马山县: "mashan",
  隆安县: "longan",
};
const POSITIONS: [string, number][] = [
  ["市长", 100],
  ["副市长", 95],
  ["秘书长", 90],
  ["局长", 80],
  ["主任", 80],
  ["区长", 80],
  ["县长", 80],
  ["副局长", 70],
  ["副主任", 70],
  ["处长", 60],
  ["科长", 50],
  ["科员", 20],
  ["文书", 15],
];
const DEPARTMENTS_OF: Record<UnitKind, string[]> = {
  government: ["领导班子"],
  office: ["秘书科", "综合科", "文电科", "信息科"],
  district: ["办公室", "经济科", "社会事务科"],
  county: ["办公室", "经济科", "社会事务科"],
  bureau: ["办公室", "业务科", "人事科"],
  other: ["办公室"],
};

export interface DemoAccount {
  username: string;
  displayName: string;
  role: string;
  unit: string;
  password: string;
}

interface Person {
  username: string;
  displayName: string;
  unit: Unit;
  department: Department | null;
  position: string;
  role: string;
  /** Only the listed demo accounts get a password at seed time; others are issued one by the sysadmin. */
  printed: boolean;
  /** A business role given for the whole organisation rather than the person's unit. */
  everywhere?: boolean;
}

/**
 * Creates the demo organisation on an empty database and returns the named
 * demo accounts with their initial passwords (each must be changed at first
 * login). Other staff accounts exist without a usable password until the
 * system administrator issues one.
 */
export async function seedDemoOrganisation(sequelize: Sequelize, hashCost: number): Promise<DemoAccount[]> {
  const people: Person[] = [];
  await sequelize.transaction(async (t) => {
    const positions = new Map<string, Position>();
    for (const [name, rank] of POSITIONS)
      positions.set(name, await Position.create({ name, rank }, { transaction: t }));

    const city = await createUnit(
      { name: "南宁市人民政府", code: "nanning", shortName: "南府", kind: "government", parent: null },
      t,
    );
    const office = await createUnit(
      { name: "南宁市人民政府办公室", code: "nanning.office", shortName: "南府办", kind: "office", parent: city },
      t,
    );
    const children: Unit[] = [office];
    for (const name of DISTRICTS) {
      children.push(
        await createUnit(
          {
            name: `南宁市${name}人民政府`,
            code: `nanning.${PINYIN_OF[name]}`,
            shortName: name.slice(0, 2) + "政",
            kind: "district",
            parent: city,
          },
          t,
        ),
      );
    }
    for (const name of COUNTIES) {
      children.push(
        await createUnit(
          {
            name: `${name}人民政府`,
            code: `nanning.${PINYIN_OF[name]}`,
            shortName: name.slice(0, 2) + "政",
            kind: "county",
            parent: city,
          },
          t,
        ),
      );
    }
    for (const [name, code, short] of BUREAUS) {
      children.push(
        await createUnit({ name, code: `nanning.${code}`, shortName: short, kind: "bureau", parent: city }, t),
      );
    }

    let nameIndex = 0;
    const next = () => demoName(nameIndex++);
    const cityDepts = await makeDepartments(city, t);
    people.push({
      username: "mayor",
      displayName: next(),
      unit: city,
      department: cityDepts[0] ?? null,
      position: "市长",
      role: "leader",
      printed: true,
    });

    for (const unit of children) {
      const depts = await makeDepartments(unit, t);
      const key = unit.code.replace("nanning.", "");
      const headTitle =
        unit.kind === "district" ? "区长" : unit.kind === "county" ? "县长" : unit.kind === "office" ? "主任" : "局长";
      const isOffice = unit.id === office.id;
      people.push({
        username: `${key}.leader`,
        displayName: next(),
        unit,
        department: depts[0] ?? null,
        position: headTitle,
        role: "leader",
        printed: isOffice,
      });
      people.push({
        username: `${key}.registrar`,
        displayName: next(),
        unit,
        department: depts[0] ?? null,
        position: "文书",
        role: "registrar",
        printed: isOffice,
      });
      for (const [i, dept] of depts.entries()) {
        people.push({
          username: `${key}.staff${i + 1}`,
          displayName: next(),
          unit,
          department: dept,
          position: i === 0 ? "科长" : "科员",
          role: "staff",
          printed: isOffice && i === 0,
        });
      }
    }
    // The 三员: three people in the city government office's 信息科.
    const infoDept =
      (await Department.findOne({ where: { unitId: office.id, name: "信息科" }, transaction: t })) ?? null;
    for (const [username, role] of [
      ["sysadmin", "sysadmin"],
      ["secadmin", "secadmin"],
      ["auditor", "auditor"],
    ] as const) {
      people.push({
        username,
        displayName: next(),
        unit: office,
        department: infoDept,
        position: "科员",
        role,
        printed: true,
      });
    }
    // The OA administrator beside them keeps the city-wide process definitions (发文, 收文), so the role holds everywhere.
    people.push({
      username: "oaadmin",
      displayName: next(),
      unit: office,
      department: infoDept,
      position: "科员",
      role: "oaadmin",
      printed: true,
      everywhere: true,
    });
    // The librarian (图书管理员) keeps the e-library's catalogue, which is the city's, so the role holds everywhere.
    people.push({
      username: "librarian",
      displayName: next(),
      unit: office,
      department: infoDept,
      position: "科员",
      role: "librarian",
      printed: true,
      everywhere: true,
    });

    const roles = new Map((await Role.findAll({ transaction: t })).map((r) => [r.code, r]));
    for (const p of people) {
      const user = await User.create(
        newUserRow({
          username: p.username,
          displayName: p.displayName,
          email: `${p.username}@nanning.gov.cn`,
          unitId: p.unit.id,
          departmentId: p.department?.id ?? null,
          positionId: positions.get(p.position)?.id ?? null,
          passwordHash: NO_PASSWORD,
        }),
        { transaction: t },
      );
      const role = roles.get(p.role);
      if (!role) throw new Error(`built-in role ${p.role} is missing; sync the permission catalogue first`);
      // Business roles apply within the person's unit; 三员 roles everywhere.
      await RoleAssignment.create(
        { userId: user.id, roleId: role.id, unitId: role.adminKind || p.everywhere ? null : p.unit.id },
        { transaction: t },
      );
    }
  });

  const accounts: DemoAccount[] = [];
  for (const p of people.filter((x) => x.printed)) {
    const password = generatePassword();
    await User.update({ passwordHash: await hashPassword(password, hashCost) }, { where: { username: p.username } });
    accounts.push({ username: p.username, displayName: p.displayName, role: p.role, unit: p.unit.name, password });
  }
  return accounts;
}

async function makeDepartments(unit: Unit, t: Transaction): Promise<Department[]> {
  const created: Department[] = [];
  // The public patrons' unit (migration 0025) is not one the demo makes; it has no departments.
  const names = unit.kind === PUBLIC_UNIT_KIND ? [] : DEPARTMENTS_OF[unit.kind];
  for (const [sortOrder, name] of names.entries()) {
    created.push(await Department.create({ unitId: unit.id, name, sortOrder }, { transaction: t }));
  }
  return created;
}
