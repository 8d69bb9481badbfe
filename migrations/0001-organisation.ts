import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

const timestamps = {
  createdAt: { type: DataTypes.DATE, allowNull: false },
  updatedAt: { type: DataTypes.DATE, allowNull: false },
};

const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true };

export async function up({ context: q }: Migration): Promise<void> {
  await q.createTable("units", {
    id,
    parentId: { type: DataTypes.INTEGER, allowNull: true, references: { model: "units", key: "id" } },
    // Materialised path "/1/7/42/" so that a subtree is one indexed prefix query.
    path: { type: DataTypes.STRING(512), allowNull: false },
    code: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    name: { type: DataTypes.STRING(128), allowNull: false },
    shortName: { type: DataTypes.STRING(32), allowNull: true },
    kind: { type: DataTypes.STRING(16), allowNull: false },
    sortOrder: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...timestamps,
  });
  await q.addIndex("units", ["path"]);
  await q.addIndex("units", ["parentId", "sortOrder"]);

  await q.createTable("departments", {
    id,
    unitId: { type: DataTypes.INTEGER, allowNull: false, references: { model: "units", key: "id" } },
    name: { type: DataTypes.STRING(128), allowNull: false },
    sortOrder: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...timestamps,
  });
  await q.addIndex("departments", ["unitId", "name"], { unique: true });

  await q.createTable("positions", {
    id,
    name: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    rank: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...timestamps,
  });

  await q.createTable("users", {
    id,
    username: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    displayName: { type: DataTypes.STRING(64), allowNull: false },
    pinyin: { type: DataTypes.STRING(255), allowNull: false, defaultValue: "" },
    pinyinInitials: { type: DataTypes.STRING(64), allowNull: false, defaultValue: "" },
    email: { type: DataTypes.STRING(255), allowNull: true },
    phone: { type: DataTypes.STRING(32), allowNull: true },
    unitId: { type: DataTypes.INTEGER, allowNull: false, references: { model: "units", key: "id" } },
    departmentId: { type: DataTypes.INTEGER, allowNull: true, references: { model: "departments", key: "id" } },
    positionId: { type: DataTypes.INTEGER, allowNull: true, references: { model: "positions", key: "id" } },
    passwordHash: { type: DataTypes.STRING(255), allowNull: false },
    mustChangePassword: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    passwordChangedAt: { type: DataTypes.DATE, allowNull: true },
    failedLogins: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    lockedUntil: { type: DataTypes.DATE, allowNull: true },
    disabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    totpSecret: { type: DataTypes.STRING(64), allowNull: true },
    totpEnabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    recoveryCodes: { type: DataTypes.TEXT, allowNull: true },
    lastLoginAt: { type: DataTypes.DATE, allowNull: true },
    ...timestamps,
  });
  await q.addIndex("users", ["unitId", "departmentId"]);
  await q.addIndex("users", ["pinyin"]);
  await q.addIndex("users", ["pinyinInitials"]);
  await q.addIndex("users", ["displayName"]);

  await q.createTable("permissions", {
    code: { type: DataTypes.STRING(64), primaryKey: true },
    category: { type: DataTypes.STRING(16), allowNull: false },
    ...timestamps,
  });

  await q.createTable("roles", {
    id,
    code: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    name: { type: DataTypes.STRING(64), allowNull: false },
    description: { type: DataTypes.STRING(255), allowNull: true },
    // system | security | audit for the three separated administrators, else null.
    adminKind: { type: DataTypes.STRING(16), allowNull: true },
    builtin: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    ...timestamps,
  });

  await q.createTable("role_permissions", {
    roleId: {
      type: DataTypes.INTEGER,
      primaryKey: true,
      references: { model: "roles", key: "id" },
      onDelete: "CASCADE",
    },
    permissionCode: {
      type: DataTypes.STRING(64),
      primaryKey: true,
      references: { model: "permissions", key: "code" },
      onDelete: "CASCADE",
    },
  });

  await q.createTable("role_assignments", {
    id,
    userId: { type: DataTypes.INTEGER, allowNull: false, references: { model: "users", key: "id" } },
    roleId: { type: DataTypes.INTEGER, allowNull: false, references: { model: "roles", key: "id" } },
    // Null means everywhere; otherwise the unit and every unit below it.
    unitId: { type: DataTypes.INTEGER, allowNull: true, references: { model: "units", key: "id" } },
    ...timestamps,
  });
  await q.addIndex("role_assignments", ["userId"]);
  await q.addIndex("role_assignments", ["roleId"]);

  await q.createTable("sessions", {
    // sha256 of the cookie token: a leaked table does not hand out sessions.
    id: { type: DataTypes.STRING(64), primaryKey: true },
    userId: {
      type: DataTypes.INTEGER,
      allowNull: false,
      references: { model: "users", key: "id" },
      onDelete: "CASCADE",
    },
    ip: { type: DataTypes.STRING(64), allowNull: true },
    userAgent: { type: DataTypes.STRING(255), allowNull: true },
    lastSeenAt: { type: DataTypes.DATE, allowNull: false },
    expiresAt: { type: DataTypes.DATE, allowNull: false },
    ...timestamps,
  });
  await q.addIndex("sessions", ["userId"]);
  await q.addIndex("sessions", ["expiresAt"]);

  await q.createTable("settings", {
    key: { type: DataTypes.STRING(64), primaryKey: true },
    value: { type: DataTypes.TEXT, allowNull: false },
    ...timestamps,
  });
}

export async function down({ context: q }: Migration): Promise<void> {
  for (const table of [
    "settings",
    "sessions",
    "role_assignments",
    "role_permissions",
    "roles",
    "permissions",
    "users",
    "positions",
    "departments",
    "units",
  ]) {
    await q.dropTable(table);
  }
}
