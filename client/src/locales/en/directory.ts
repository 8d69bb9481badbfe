import type zhCN from "../zh-CN/directory";

const messages: typeof zhCN = {
  directory: {
    title: "Directory",
    description: "Find colleagues by unit and department, or search by name, pinyin or initials.",
    search: "Name, pinyin or initials, e.g. zhangwei or zw",
    tree: "Units and departments",
    all: "All units",
    unit: "Unit",
    name: "Name",
    position: "Position",
    phone: "Phone",
    email: "E-mail",
    empty: "Nobody matches",
    total: "{n} people",
    pickUnit: "Choose a unit or department",
  },
};

export default messages;
