import { ElMessage } from "element-plus";
import { t } from "@/locales";

export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    ElMessage.success(t("common.copied"));
  } catch {
    ElMessage.warning(t("common.copyFailed"));
  }
}

export function downloadText(filename: string, text: string, type = "text/csv;charset=utf-8"): void {
  // The BOM lets Excel open UTF-8 CSV with Chinese names correctly.
  const blob = new Blob(["\uFEFF", text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}
