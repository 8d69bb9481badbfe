// The library's screens as its browser tests use them more than once.
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { byTestId, input } from "./browser.js";

/** Fills the public sign-up form (/register); the caller sends it. */
export async function fillRegistration(
  page: Page,
  patron: { login: string; name: string; password: string },
): Promise<void> {
  await input(page, "register-login").fill(patron.login);
  await input(page, "register-name").fill(patron.name);
  await input(page, "register-password").fill(patron.password);
  await input(page, "register-confirm").fill(patron.password);
}

/** Returns the patron's only loan from 我的图书馆 (/library/me), confirming, and waits until it is gone. */
export async function returnOnlyLoan(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/library/me`);
  await byTestId(page, "my-loan-return").click();
  await page.locator(".el-message-box .el-button--primary").click();
  await expect.poll(() => page.locator('[data-testid="my-loan"]').count()).toBe(0);
}
