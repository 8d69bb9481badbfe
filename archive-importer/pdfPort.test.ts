import { describe, expect, it } from "vitest";
import { SameThreadPort } from "./pdfPort.js";

/** The next message the port delivers. */
function received(port: SameThreadPort): Promise<unknown> {
  return new Promise((resolve) => {
    const listener = (event: { data: unknown }) => {
      port.removeEventListener("message", listener);
      resolve(event.data);
    };
    port.addEventListener("message", listener);
  });
}

describe("the port between pdf.js's two halves", () => {
  it("delivers a text chunk as it was sent, though the sender gives the chunk new arrays after sending", async () => {
    const port = new SameThreadPort();
    const items = [{ str: "人民", transform: [1, 0, 0, 1, 0, 0] }];
    const chunk: { items: unknown[]; styles: Record<string, object> } = { items, styles: { f1: {} } };
    const arriving = received(port);
    port.postMessage({ sourceName: "worker", targetName: "main", stream: 4, streamId: 1, chunk });
    // What pdf.js's getTextContent does once it has sent a chunk.
    chunk.items = [];
    chunk.styles = {};
    const data = (await arriving) as { chunk: { items: unknown[]; styles: object } };
    expect(data.chunk.items).toEqual([{ str: "人民", transform: [1, 0, 0, 1, 0, 0] }]);
    expect(data.chunk.styles).toEqual({ f1: {} });
  });

  it("clones every other message, so a change after sending does not reach the other half", async () => {
    const port = new SameThreadPort();
    const message = { sourceName: "main", targetName: "worker", action: "GetPage", data: { pageIndex: 0 } };
    const arriving = received(port);
    port.postMessage(message);
    message.data.pageIndex = 7;
    expect(await arriving).toEqual({
      sourceName: "main",
      targetName: "worker",
      action: "GetPage",
      data: { pageIndex: 0 },
    });
  });

  it("hands over transferred buffers as a worker would (detached on the sending side)", async () => {
    const port = new SameThreadPort();
    const bytes = new Uint8Array([1, 2, 3]);
    const arriving = received(port);
    port.postMessage({ action: "GetDocRequest", data: bytes }, [bytes.buffer]);
    expect(bytes.byteLength).toBe(0);
    const { data } = (await arriving) as { data: Uint8Array };
    expect(Array.from(data)).toEqual([1, 2, 3]);
  });
});
