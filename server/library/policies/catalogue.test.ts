import { describe, expect, it } from "vitest";
import type { PermissionCode } from "../../org/permissions.js";
import { cataloguePolicy, type TitleAbilities, type TitleLendingState } from "./catalogue.js";

/** A viewer holding these permissions, as the policy reads one. */
const holding = (...codes: PermissionCode[]) => ({ can: (code: PermissionCode) => codes.includes(code) });
const patron = holding("library.use");
const librarian = holding("library.use", "library.manage");

const state = (over: Partial<TitleLendingState> = {}): TitleLendingState => ({
  licenceModel: "copies",
  available: 1,
  waiting: 0,
  loan: null,
  hold: null,
  ...over,
});
const allowed = (abilities: TitleAbilities) =>
  Object.entries(abilities)
    .filter(([, yes]) => yes)
    .map(([name]) => name);

describe("cataloguePolicy.abilities", () => {
  it("lets nobody who has not signed in, nor an administrator without the library, do anything", () => {
    expect(allowed(cataloguePolicy.abilities(undefined, state()))).toEqual([]);
    expect(allowed(cataloguePolicy.abilities(holding("org.user.manage"), state()))).toEqual([]);
    expect(cataloguePolicy.browse(undefined)).toBe(true);
  });

  it("open access: read and download, never borrow or queue", () => {
    const open = state({ licenceModel: "open", available: null, waiting: 0 });
    expect(allowed(cataloguePolicy.abilities(patron, open))).toEqual(["read", "download"]);
  });

  it("a free copy is borrowed, none free is queued for, and a queued patron does not queue twice", () => {
    expect(allowed(cataloguePolicy.abilities(patron, state()))).toEqual(["borrow"]);
    expect(allowed(cataloguePolicy.abilities(patron, state({ available: 0 })))).toEqual(["hold"]);
    expect(allowed(cataloguePolicy.abilities(patron, state({ available: 0, hold: { state: "waiting" } })))).toEqual([]);
    // A copy kept for the patron (ready hold) is theirs to borrow although none is free to others.
    expect(allowed(cataloguePolicy.abilities(patron, state({ available: 0, hold: { state: "ready" } })))).toEqual([
      "borrow",
    ]);
  });

  it("a borrower reads, returns, and renews only while nobody waits", () => {
    const loan = { renewals: 0 };
    expect(allowed(cataloguePolicy.abilities(patron, state({ available: 0, loan })))).toEqual([
      "read",
      "renew",
      "return",
    ]);
    expect(allowed(cataloguePolicy.abilities(patron, state({ available: 0, loan, waiting: 2 })))).toEqual([
      "read",
      "return",
    ]);
  });

  it("a librarian manages besides borrowing", () => {
    expect(allowed(cataloguePolicy.abilities(librarian, state()))).toEqual(["borrow", "manage"]);
    expect(allowed(cataloguePolicy.abilities(holding("library.manage"), state()))).toEqual(["manage"]);
  });
});
