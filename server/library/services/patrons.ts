/**
 * The library's patrons: civil servants borrow with their staff accounts;
 * members of the public register themselves (patronRegistrar) into the
 * built-in public unit (migration 0025) with the role `patron`, which holds
 * library.use and nothing else. Loan rules differ by patron category.
 */
import { UniqueConstraintError, type Transaction } from "sequelize";
import { conflict } from "../../core/errors.js";
import { Role, RoleAssignment, Unit, User } from "../../org/models/index.js";
import { PUBLIC_UNIT_KIND } from "../../org/models/unit.js";
import { newUserRow } from "../../org/services/users.js";
import { MAIL_CHANNEL } from "../../mailbox/services/notifyByMail.js";
import { NotificationChannelSetting } from "../../notify/models/index.js";
import type { PatronCategory } from "../models/index.js";

/** The built-in role of self-registered patrons (server/org/permissions.ts). */
export const PATRON_ROLE = "patron";

/** The longest sign-in name an account has (users.username). */
export const LOGIN_MAX = 64;

/** A mobile number of mainland China: 11 digits starting 13–19. */
const MOBILE = /^1[3-9]\d{9}$/;

/**
 * The sign-in name a patron registers with: an e-mail address (kept in lower
 * case, so one address is one account on every database) or a mobile number.
 */
export type PatronLogin = { kind: "email"; value: string } | { kind: "phone"; value: string };

/** Reads what a patron typed as an e-mail address or a mobile number; null when it is neither. */
export function parsePatronLogin(text: string): PatronLogin | null {
  const value = text.trim().replace(/[\s-]/g, "");
  if (MOBILE.test(value)) return { kind: "phone", value };
  const email = text.trim().toLowerCase();
  // The sign-in names of staff (lower-case letters, digits, . _ -) never hold "@": the two never meet.
  if (email.length <= LOGIN_MAX && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return { kind: "email", value: email };
  return null;
}

/** The public patrons' unit: made by migration 0025, so its absence is a broken installation. */
export async function publicUnit(transaction?: Transaction): Promise<Unit> {
  const unit = await Unit.findOne({ where: { kind: PUBLIC_UNIT_KIND }, transaction });
  if (!unit) throw new Error("the public patrons' unit is missing (migration 0025)");
  return unit;
}

/**
 * "public" for a self-registered patron (an account in the public unit),
 * "staff" for everyone else who uses the library. Authentication loads the
 * user with their unit; a user without it is looked up.
 */
export async function patronCategoryOf(
  user: Pick<User, "unitId"> & { unit?: Pick<Unit, "kind"> },
  transaction?: Transaction,
): Promise<PatronCategory> {
  const unit = user.unit ?? (await Unit.findByPk(user.unitId, { attributes: ["kind"], transaction }));
  return unit?.kind === PUBLIC_UNIT_KIND ? "public" : "staff";
}

/**
 * Creates a public patron's account: in the public unit, with the patron role
 * and the password they chose (checked and hashed by the caller beforehand, so
 * the transaction is not held through the hash). One login, one account: 409
 * `library_patron_taken` when the name is in use by anyone, staff included.
 */
export async function registerPatron(
  props: { login: PatronLogin; displayName: string; passwordHash: string },
  transaction: Transaction,
): Promise<User> {
  const { login } = props;
  const takenError = () =>
    conflict("library_patron_taken", "An account with this e-mail address or phone number exists");
  const taken = await User.findOne({ where: { username: login.value }, attributes: ["id"], transaction });
  if (taken) throw takenError();
  const unit = await publicUnit(transaction);
  const role = await Role.findOne({ where: { code: PATRON_ROLE }, transaction });
  if (!role) throw new Error("the built-in role patron is missing");
  const user = await User.create(
    {
      ...newUserRow({
        username: login.value,
        displayName: props.displayName,
        email: login.kind === "email" ? login.value : null,
        phone: login.kind === "phone" ? login.value : null,
        unitId: unit.id,
        passwordHash: props.passwordHash,
      }),
      // They chose the password themselves: there is no initial one to change.
      mustChangePassword: false,
      passwordChangedAt: new Date(),
    },
    { transaction },
  ).catch((err: unknown) => {
    // Two sign-ups with one name at once: the unique index decides, and the second hears what the first would.
    throw err instanceof UniqueConstraintError ? takenError() : err;
  });
  await RoleAssignment.create({ userId: user.id, roleId: role.id, unitId: null }, { transaction });
  // A patron who gave an e-mail address hears by e-mail when a copy is kept for them (they may turn it off
  // in the notification centre); staff choose the channel themselves.
  if (login.kind === "email") {
    await NotificationChannelSetting.create(
      { userId: user.id, channel: MAIL_CHANNEL, enabled: true, updatedAt: new Date() },
      { transaction },
    );
  }
  return user;
}
