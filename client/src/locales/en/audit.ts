import type zhCN from "../zh-CN/audit";

const messages: typeof zhCN = {
  audit: {
    title: "Audit log",
    description: "Every security-relevant action is recorded in a tamper-evident hash-chained log.",
    actor: "Actor",
    actorPlaceholder: "Username or name",
    action: "Action",
    outcome: "Outcome",
    outcomes: { success: "Success", failure: "Failure", denied: "Denied" },
    dateRange: "Time range",
    start: "Start",
    end: "End",
    seq: "No.",
    at: "Time",
    ip: "IP address",
    target: "Target",
    detail: "Detail",
    export: "Export CSV",
    verify: "Verify chain",
    verifyOk: "The log chain is intact; {n} records checked.",
    verifyFailed: "Chain verification failed: record {seq} {kind}. {message}",
    kinds: { edited: "was altered", missing: "is missing", reordered: "is out of order", truncated: "was truncated" },
  },
};

export default messages;
