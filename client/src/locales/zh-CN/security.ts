export default {
  security: {
    grants: {
      title: "人员角色",
      description: "查找人员，授予或收回角色。业务角色只在所选单位及其下级单位内有效；三员角色不限单位。",
      search: "姓名、用户名、拼音或首字母",
      unit: "按单位筛选",
      withoutRoles: "只看没有角色的人员",
      assign: "授权",
      defaultTitle: "新账号默认角色",
      defaultHint: "新建或批量导入的账号自动获得这些角色，限于本人所在单位。已有账号不受影响。",
      defaultNone: "不自动授予角色",
    },
  },
};
