import type zhCN from "../zh-CN/modules";

const messages: typeof zhCN = {
  modules: {
    oa: { title: "Documents", description: "Drafting, approval, issuing, routing and filing of official documents." },
    mail: { title: "Mail", description: "Internal email and notices." },
    archive: { title: "Archive", description: "Collecting, arranging, searching and using records." },
    library: { title: "Library", description: "Lending and searching e-books and reference material." },
    comingSoon: "This module arrives in a later release.",
  },
};

export default messages;
