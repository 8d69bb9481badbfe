import { userInfo } from "node:os";

/** The operating-system account running a command, as the audit log's actor: cli:<user>. */
export function operatorName(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
  return `cli:${name}`.slice(0, 64);
}
