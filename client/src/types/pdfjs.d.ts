// pdfjs-dist's types describe its main entry, which is build/pdf.mjs: the same module named by its path,
// as the viewer imports it (the modern build for browsers; the server reads PDFs with the legacy one).
declare module "pdfjs-dist/build/pdf.mjs" {
  export * from "pdfjs-dist";
}
