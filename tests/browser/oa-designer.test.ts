// The OA administrator designs a process in the browser: opens the default 发文 process in the
// designer (bpmn-js), sees its diagram, changes a step's deadline in the properties panel, types a
// branch condition that does not parse and reads the error beside it (save stays off), fixes it,
// saves version 2, and exports the drawing as a .bpmn file that is valid BPMN XML. At 390 px the
// list of processes works (one column, actions in a menu) and the designer shows the diagram.
// Run `npm run build` first; screenshots land in tests/browser/artifacts/oa-designer/ (or $SHOTS_DIR).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bpmnToGraph } from "../../server/oa/engine/bpmn.js";
import type { ApiClient } from "../helpers/apiClient.js";
import {
  apiSignInReplacing,
  byTestId,
  DESKTOP,
  input,
  NEW_PASSWORD,
  openBrowserSession,
  PHONE,
  repoRoot,
  signInInBrowser,
  startBrowserHarness,
  withBrowserSession,
  type BrowserHarness,
} from "../helpers/browser.js";

const shots = process.env.SHOTS_DIR ?? join(repoRoot, "tests/browser/artifacts/oa-designer");

let harness: BrowserHarness | undefined;
let oaadmin: ApiClient;

beforeAll(async () => {
  harness = await startBrowserHarness(shots);
  const account = harness.server.demoAccounts.find((a) => a.username === "oaadmin");
  if (!account) throw new Error("the demo organisation has no oaadmin");
  oaadmin = await apiSignInReplacing(harness.server.url, "oaadmin", account.password, NEW_PASSWORD);
});

afterAll(async () => {
  await harness?.close();
});

/** The canvas element of a BPMN element (its shape or connection) by id. */
const shape = (page: Page, id: string) => page.locator(`.djs-element[data-element-id="${id}"]`).first();

/** Clicks the middle of a straight connection: its box is a line, which the locator does not count as visible. */
async function clickConnection(page: Page, id: string): Promise<void> {
  const box = await shape(page, id).boundingBox();
  if (!box) throw new Error(`no connection ${id} on the canvas`);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

describe("the process designer", () => {
  it("edits the default 发文 process, refuses a bad condition, saves version 2 and exports it", async () => {
    if (!harness) throw new Error("no harness");
    const { server, browser } = harness;
    const session = await openBrowserSession(browser, { shotsDir: shots, prefix: "desktop", viewport: DESKTOP });
    const { page } = session;
    await withBrowserSession(session, shots, async () => {
      await signInInBrowser(page, server.url, "oaadmin", NEW_PASSWORD);
      await byTestId(page, "menu-oa-processes").click();
      await page.waitForURL(/\/oa\/processes$/);
      const row = page.locator('[data-testid="processes-table"] .el-table__row', { hasText: "发文办理" }).first();
      await row.waitFor();
      expect(await row.innerText()).toMatch(/发文[\s\S]*全市默认[\s\S]*第 1 版[\s\S]*启用/);
      await session.shot("list");

      await row.locator('[data-testid="process-design"]').click();
      await page.waitForURL(/\/oa\/processes\/\d+$/);
      // The diagram: every step of the default process drawn, and the server's check passed.
      for (const id of ["start", "draft", "review", "needsCountersign", "countersign", "sign", "archive", "end"])
        await shape(page, id).waitFor();
      expect(await shape(page, "sign").textContent()).toContain("领导签发");
      await byTestId(page, "designer-ok").waitFor();
      expect(await byTestId(page, "designer-version").innerText()).toContain("当前第 1 版");
      await expect.poll(() => byTestId(page, "designer-save").isDisabled()).toBe(true);
      await expect.poll(() => page.locator(".el-loading-mask:visible").count()).toBe(0);
      await session.shot("designer");

      // 部门核稿: its deadline from 24 to 36 hours.
      await shape(page, "review").click();
      await expect.poll(() => input(page, "panel-name").inputValue()).toBe("部门核稿");
      expect(await input(page, "panel-deadline").inputValue()).toBe("24");
      await input(page, "panel-deadline").fill("36");
      await input(page, "panel-deadline").press("Tab");
      await byTestId(page, "designer-ok").waitFor();
      await expect.poll(() => byTestId(page, "designer-save").isDisabled()).toBe(false);

      // The flow into 会签: a condition that does not parse is shown beside it, and save is off.
      await clickConnection(page, "f_needsCountersign_yes");
      const condition = page
        .locator('textarea[data-testid="panel-condition"], [data-testid="panel-condition"] textarea')
        .first();
      await expect.poll(() => condition.inputValue()).toBe("needsCountersign == true");
      await condition.fill('needsCountersign == true && urgency == "特急" &&');
      await condition.press("Tab");
      const error = byTestId(page, "condition-error");
      await error.waitFor();
      expect(await error.innerText()).toMatch(/条件无法解析/);
      expect(await byTestId(page, "designer-problems").innerText()).toMatch(/1 个问题/);
      await expect.poll(() => byTestId(page, "designer-save").isDisabled()).toBe(true);
      await session.shot("bad-condition");

      // No condition at all on a flow out of a branch: a problem of the graph as a whole, in Chinese too.
      await condition.fill("");
      await condition.press("Tab");
      await expect
        .poll(() => byTestId(page, "designer-problems").innerText())
        .toMatch(/分支“[^”]+”流出的连线 f_needsCountersign_yes 需要条件/);
      await expect.poll(() => byTestId(page, "designer-save").isDisabled()).toBe(true);

      await condition.fill('needsCountersign == true && urgency != "特急"');
      await condition.press("Tab");
      await error.waitFor({ state: "detached" });
      await byTestId(page, "designer-ok").waitFor();
      await byTestId(page, "designer-save").click();
      await page.locator(".el-message--success", { hasText: "已保存为第 2 版" }).waitFor();
      await expect.poll(() => byTestId(page, "designer-version").innerText()).toContain("当前第 2 版");
      await session.shot("saved");

      const list = await oaadmin.get("/api/oa/processes?category=outgoing");
      const outgoing = list.body.items.find((p: { key: string }) => p.key === "outgoing");
      const saved = await oaadmin.get(`/api/oa/processes/${outgoing.id}`);
      expect(saved.body.latestVersion).toBe(2);
      const nodes = saved.body.graph.nodes as { id: string; deadlineHours?: number }[];
      expect(nodes.find((n) => n.id === "review")?.deadlineHours).toBe(36);
      const flows = saved.body.graph.flows as { id: string; condition?: string }[];
      expect(flows.find((f) => f.id === "f_needsCountersign_yes")?.condition).toBe(
        'needsCountersign == true && urgency != "特急"',
      );
      // The first version is kept as it was.
      const first = await oaadmin.get(`/api/oa/processes/${outgoing.id}/versions/1`);
      expect(first.body.graph.nodes.find((n: { id: string }) => n.id === "review").deadlineHours).toBe(24);

      // Version 1 read only, with the step selected in the designer marked on it.
      await shape(page, "review").click();
      await page.locator('[data-testid="designer-history-item"]', { hasText: "第 1 版" }).click();
      const preview = page.locator(".el-dialog:visible", { has: page.locator('[data-testid="process-diagram"]') });
      await preview.locator('.djs-element.yo-current[data-element-id="review"]').waitFor();
      expect(await preview.locator(".el-dialog__title").innerText()).toContain("第 1 版");
      await expect.poll(() => page.locator(".dialog-fade-enter-active").count()).toBe(0);
      await session.shot("version-1");
      await page.keyboard.press("Escape");
      await preview.waitFor({ state: "hidden" });

      // Export: a .bpmn file that reads back as the graph just saved.
      const [download] = await Promise.all([page.waitForEvent("download"), byTestId(page, "designer-export").click()]);
      expect(download.suggestedFilename()).toBe("发文办理-v2.bpmn");
      const file = join(shots, "exported.bpmn");
      await download.saveAs(file);
      const xml = readFileSync(file, "utf8");
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
      const read = await bpmnToGraph(xml);
      expect(read.problems).toEqual([]);
      expect(read.graph).toEqual(saved.body.graph);

      // The same process from a tool that writes no diagram: imported, it is drawn anew, every step on the canvas.
      const bare = join(shots, "no-diagram.bpmn");
      writeFileSync(bare, xml.replace(/<bpmndi:BPMNDiagram[\s\S]*<\/bpmndi:BPMNDiagram>/, ""));
      await page.locator('[data-testid="designer-import-file"]').setInputFiles(bare);
      await page.locator(".el-message--success", { hasText: "文件中没有流程图，已自动排版" }).waitFor();
      for (const id of ["start", "draft", "review", "countersign", "sign", "archive", "end"])
        await shape(page, id).waitFor();
      await byTestId(page, "designer-ok").waitFor();
      await expect.poll(() => page.locator(".el-loading-mask:visible").count()).toBe(0);
      await session.shot("laid-out");
    });
  });

  it("lists the processes at 390 px and shows the diagram there", async () => {
    if (!harness) throw new Error("no harness");
    const { server, browser } = harness;
    const session = await openBrowserSession(browser, { shotsDir: shots, prefix: "phone", viewport: PHONE });
    const { page } = session;
    await withBrowserSession(session, shots, async () => {
      await signInInBrowser(page, server.url, "oaadmin", NEW_PASSWORD);
      await byTestId(page, "layout-menu-toggle").click();
      await byTestId(page, "menu-oa-processes").click();
      await page.waitForURL(/\/oa\/processes$/);
      const rows = page.locator('[data-testid="process-row"]');
      await expect.poll(() => rows.count()).toBe(2);
      const outgoing = page.locator('[data-testid="processes-table"] .el-table__row', { hasText: "发文办理" }).first();
      expect(await outgoing.innerText()).toMatch(/发文[\s\S]*全市默认[\s\S]*第 2 版/);
      expect(Number(await page.evaluate("document.documentElement.scrollWidth"))).toBeLessThanOrEqual(PHONE.width);
      await expect.poll(() => page.locator(".el-loading-mask:visible").count()).toBe(0);
      await session.shot("list");

      await outgoing.locator('[data-testid="process-actions"]').click();
      const menu = page.locator(".el-dropdown-menu:visible").first();
      await menu.waitFor();
      expect(await menu.innerText()).toMatch(/设计[\s\S]*导出[\s\S]*为本单位适配[\s\S]*停用/);
      await session.shot("actions");
      await menu.locator(".el-dropdown-menu__item", { hasText: "设计" }).click();
      await page.waitForURL(/\/oa\/processes\/\d+$/);
      await shape(page, "sign").waitFor();
      await byTestId(page, "designer-ok").waitFor();
      // The drawing fills the canvas's box (bpmn-js sizes itself to it).
      const canvas = await page.locator('[data-testid="designer-canvas"] .djs-container').boundingBox();
      expect(canvas?.width ?? 0).toBeGreaterThan(300);
      expect(canvas?.height ?? 0).toBeGreaterThanOrEqual(400);
      expect(Number(await page.evaluate("document.documentElement.scrollWidth"))).toBeLessThanOrEqual(PHONE.width);
      await expect.poll(() => page.locator(".el-loading-mask:visible").count()).toBe(0);
      await session.shot("designer");
    });
  });
});
