import type zhCN from "../zh-CN/audit";

const messages: typeof zhCN = {
  audit: {
    title: "稽核日誌",
    description: "所有安全相關操作均記錄於防竄改的雜湊鏈日誌。",
    actor: "操作人",
    actorPlaceholder: "使用者名稱或姓名",
    action: "操作",
    outcome: "結果",
    outcomes: { success: "成功", failure: "失敗", denied: "拒絕" },
    dateRange: "時間範圍",
    start: "開始時間",
    end: "結束時間",
    seq: "序號",
    at: "時間",
    ip: "IP 位址",
    target: "對象",
    detail: "詳情",
    export: "匯出 CSV",
    verify: "驗證日誌鏈",
    verifyOk: "日誌鏈完整，共驗證 {n} 筆記錄。",
    verifyFailed: "日誌鏈驗證失敗：第 {seq} 筆記錄{kind}。{message}",
    kinds: { edited: "遭竄改", missing: "缺失", reordered: "順序異常", truncated: "遭截斷" },
  },
};

export default messages;
