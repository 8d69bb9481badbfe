// Types and the list of codes, no imports: the designer (client/src/api/oa/processes.ts) reads them as they are.

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

/** Every code a problem can have; each has its words in the client's three languages (a test checks). */
export const BPMN_PROBLEM_CODES = [
  "xml_invalid",
  "no_process",
  "several_processes",
  "unsupported_element",
  "unsupported_event",
  "unsupported_loop",
  "missing_assignee",
  "invalid_assignee",
  "invalid_attribute",
  "invalid_element",
  "flow_unconnected",
  "condition_invalid",
  // Problems of the graph as a whole (graphProblems in definition.ts).
  "duplicate_node",
  "start_count",
  "no_end",
  "duplicate_flow",
  "flow_unknown_node",
  "end_outgoing",
  "branch_flows",
  "branch_default",
  "branch_condition_missing",
  "outgoing_count",
  "condition_outside_branch",
  "unreachable",
  "dead_end",
  // A graph the schema refuses after all the checks above (a field out of bounds), in its English words.
  "graph",
] as const;

export type BpmnProblemCode = (typeof BPMN_PROBLEM_CODES)[number];
