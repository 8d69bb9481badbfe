import type zhCN from "../zh-CN/audit";

const messages: typeof zhCN = {
  audit: {
    title: "审计日志",
    description: "所有安全相关操作均记入防篡改的哈希链日志。",
    actor: "操作人",
    actorPlaceholder: "用户名或姓名",
    action: "操作",
    outcome: "结果",
    outcomes: { success: "成功", failure: "失败", denied: "拒绝" },
    dateRange: "时间范围",
    start: "开始时间",
    end: "结束时间",
    seq: "序号",
    at: "时间",
    ip: "IP 地址",
    target: "对象",
    detail: "详情",
    export: "导出 CSV",
    verify: "校验日志链",
    verifyOk: "日志链完整，共校验 {n} 条记录。",
    verifyFailed: "日志链校验失败：第 {seq} 条记录{kind}。{message}",
    kinds: { edited: "被篡改", missing: "缺失", reordered: "顺序异常", truncated: "被截断" },
  },
};

export default messages;
