import type zhCN from "../zh-CN/security";

const messages: typeof zhCN = {
  security: {
    grants: {
      title: "人員角色",
      description: "查找人員，授予或收回角色。業務角色只在所選單位及其下級單位內有效；三員角色不限單位。",
      search: "姓名、使用者名稱、拼音或首字母",
      unit: "依單位篩選",
      withoutRoles: "只看沒有角色的人員",
      assign: "授權",
      defaultTitle: "新帳號預設角色",
      defaultHint: "新建或批次匯入的帳號自動獲得這些角色，限於本人所在單位。既有帳號不受影響。",
      defaultNone: "不自動授予角色",
    },
  },
};

export default messages;
