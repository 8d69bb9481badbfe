import type zhCN from "../zh-CN/security";

const messages: typeof zhCN = {
  security: {
    grants: {
      title: "People and roles",
      description:
        "Find people and grant or revoke roles. A business role applies in the chosen unit and the units below it; the 三员 administrator roles apply everywhere.",
      search: "Name, username, pinyin or initials",
      unit: "Filter by unit",
      withoutRoles: "Only people without roles",
      assign: "Roles",
      defaultTitle: "Roles of new accounts",
      defaultHint:
        "Accounts created one by one or imported get these roles, limited to their own unit. Existing accounts are not changed.",
      defaultNone: "No role is given automatically",
    },
  },
};

export default messages;
