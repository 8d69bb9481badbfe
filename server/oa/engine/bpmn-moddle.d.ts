// bpmn-moddle ships the element types (bpmn-moddle/types) but none for its entry point.
declare module "bpmn-moddle" {
  import type { Moddle, ModdleElement } from "moddle";
  import type { BpmnDefinitions, BpmnModdleTypeMap, BpmndiModdleTypeMap, DcModdleTypeMap } from "bpmn-moddle/types";

  export type BpmnTypeMap = BpmnModdleTypeMap & BpmndiModdleTypeMap & DcModdleTypeMap;

  export interface ParseResult {
    rootElement: ModdleElement<BpmnDefinitions>;
    warnings: { message: string }[];
    elementsById: Record<string, ModdleElement>;
  }

  export class BpmnModdle extends Moddle {
    constructor(packages?: Record<string, unknown>, options?: Record<string, unknown>);
    fromXML(xml: string, typeName?: string): Promise<ParseResult>;
    toXML(element: ModdleElement, options?: { format?: boolean; preamble?: boolean }): Promise<{ xml: string }>;
    create<K extends keyof BpmnTypeMap>(type: K, attrs?: Record<string, unknown>): BpmnTypeMap[K];
    create(type: string, attrs?: Record<string, unknown>): ModdleElement;
  }
}
