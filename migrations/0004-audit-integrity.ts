import { DataTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

const REFUSE_EDIT = "audit_events is append-only";
const REFUSE_HEAD = "audit_head only moves forward";

/**
 * The database itself refuses to edit or delete audit events and to move the
 * head back, so a bug or a careless UPDATE cannot damage the log. Someone with
 * the rights to drop triggers can still do it; the keyed hashes and the
 * checkpoints outside the database (server/audit/services/auditAnchor.ts) are
 * what reveal that.
 */
export async function createAuditTriggers(q: QueryInterface): Promise<void> {
  if (q.sequelize.getDialect() === "sqlite") {
    for (const op of ["UPDATE", "DELETE"]) {
      await q.sequelize.query(
        `CREATE TRIGGER audit_events_no_${op.toLowerCase()} BEFORE ${op} ON audit_events
         BEGIN SELECT RAISE(ABORT, '${REFUSE_EDIT}'); END`,
      );
    }
    await q.sequelize.query(
      `CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
       WHEN NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash)
         OR (OLD.chainId IS NOT NULL AND NEW.chainId IS NOT OLD.chainId)
       BEGIN SELECT RAISE(ABORT, '${REFUSE_HEAD}'); END`,
    );
    await q.sequelize.query(
      `CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN SELECT RAISE(ABORT, '${REFUSE_HEAD}'); END`,
    );
    return;
  }
  for (const op of ["UPDATE", "DELETE"]) {
    await q.sequelize.query(
      `CREATE TRIGGER audit_events_no_${op.toLowerCase()} BEFORE ${op} ON audit_events FOR EACH ROW
       SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${REFUSE_EDIT}'`,
    );
  }
  await q.sequelize.query(
    `CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head FOR EACH ROW
     BEGIN
       IF NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash)
          OR (OLD.chainId IS NOT NULL AND NOT (NEW.chainId <=> OLD.chainId)) THEN
         SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${REFUSE_HEAD}';
       END IF;
     END`,
  );
  await q.sequelize.query(
    `CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head FOR EACH ROW
     SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${REFUSE_HEAD}'`,
  );
}

export async function dropAuditTriggers(q: QueryInterface): Promise<void> {
  for (const name of [
    "audit_events_no_update",
    "audit_events_no_delete",
    "audit_head_forward_only",
    "audit_head_no_delete",
  ]) {
    await q.sequelize.query(`DROP TRIGGER IF EXISTS ${name}`);
  }
}

export async function up({ context: q }: Migration): Promise<void> {
  // Set once, when the application first signs the chain with its key (auditAnchor.sealAuditChain):
  // names the checkpoint file outside the database that belongs to this log.
  await q.addColumn("audit_head", "chainId", { type: DataTypes.STRING(36), allowNull: true });
  await createAuditTriggers(q);
}

export async function down({ context: q }: Migration): Promise<void> {
  await dropAuditTriggers(q);
  await q.removeColumn("audit_head", "chainId");
}
