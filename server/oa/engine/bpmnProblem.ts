// Pure types (no imports): the designer (client/src/api/oa/processes.ts) reads them as they are.

/** Why a BPMN document cannot become a runnable graph: a code the client words, the element, the details. */
export interface BpmnProblem {
  code: BpmnProblemCode;
  /** The id of the BPMN element at fault, when there is one (the designer shows the problem beside it). */
  elementId?: string;
  /** Values the message mentions (the element's type or name, the parser's words). */
  params?: Record<string, string>;
  /** The problem in English, for the API's callers and the logs. */
  message: string;
}

export type BpmnProblemCode =
  | "xml_invalid"
  | "no_process"
  | "several_processes"
  | "unsupported_element"
  | "unsupported_event"
  | "unsupported_loop"
  | "missing_assignee"
  | "invalid_assignee"
  | "invalid_attribute"
  | "invalid_element"
  | "flow_unconnected"
  | "condition_invalid"
  /** A problem of the graph as a whole (graphProblems in definition.ts), in its words. */
  | "graph";
