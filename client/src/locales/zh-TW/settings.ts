import type zhCN from "../zh-CN/settings";

const messages: typeof zhCN = {
  settings: {
    system: {
      title: "系統設定",
      description: "平台的基本設定。",
      siteName: "網站名稱",
      siteNameHint: "顯示於登入頁、側邊欄與瀏覽器分頁標題",
    },
    policy: {
      title: "安全策略",
      description: "密碼、登入鎖定與工作階段逾時等安全設定，修改會記錄於稽核日誌。",
      password: "密碼策略",
      lockout: "登入鎖定",
      session: "工作階段",
      minPasswordLength: "密碼最小長度",
      lockoutThreshold: "連續失敗鎖定次數",
      lockoutMinutes: "鎖定時長（分鐘）",
      idleTimeoutMinutes: "閒置逾時（分鐘）",
      sessionMaxHours: "工作階段最長有效期（小時）",
    },
  },
};

export default messages;
