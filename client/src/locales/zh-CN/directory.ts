export default {
  directory: {
    title: "通讯录",
    description: "按单位和部门查找同事，可用姓名、拼音或首字母搜索。",
    search: "姓名、拼音或首字母，如 zhangwei 或 zw",
    tree: "单位与部门",
    all: "全部单位",
    unit: "单位",
    name: "姓名",
    position: "职务",
    phone: "电话",
    email: "电子邮箱",
    empty: "没有找到符合条件的人员",
    total: "共 {n} 人",
    pickUnit: "选择单位或部门",
  },
};
