import {
  Document,
  Files,
  House,
  Lock,
  Message,
  OfficeBuilding,
  Reading,
  Setting,
  Tickets,
  User,
} from "@element-plus/icons-vue";
import type { Component } from "vue";
import type { MenuIcon } from "@/router/types";

export const MENU_ICONS: Record<MenuIcon, Component> = {
  home: House,
  document: Document,
  message: Message,
  files: Files,
  reading: Reading,
  office: OfficeBuilding,
  user: User,
  lock: Lock,
  tickets: Tickets,
  setting: Setting,
};
