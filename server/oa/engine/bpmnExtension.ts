/**
 * The moddle package of Yong Office's own BPMN attributes (namespace
 * http://yong.office/schema/bpmn, prefix `yong`): what a user task needs
 * beyond standard BPMN. bpmn.ts reads and writes them on the server and the
 * designer (client/src/views/oa/processes) loads the same package into
 * bpmn-js, so both speak one vocabulary. Standard tools (Camunda Modeler,
 * bpmn.io) keep attributes and extension elements of a foreign namespace as
 * they are, so a definition survives a round trip through them.
 *
 *   <bpmn:userTask id="sign" name="领导签发" yong:action="sign" yong:deadlineHours="48" yong:remindBeforeHours="8">
 *     <bpmn:extensionElements>
 *       <yong:assignee kind="role" roleCode="registrar" within="drafterUnit" />
 *     </bpmn:extensionElements>
 *   </bpmn:userTask>
 *
 * Values are strings on purpose: a file written by hand with "2天" for hours
 * is reported as a problem by bpmn.ts instead of becoming NaN while parsing.
 * Pure data (no imports): the client bundles it as it is.
 */
export const YONG_NAMESPACE = "http://yong.office/schema/bpmn";

export const yongModdlePackage = {
  name: "Yong",
  prefix: "yong",
  uri: YONG_NAMESPACE,
  xml: { tagAlias: "lowerCase" },
  associations: [],
  types: [
    {
      name: "TaskProperties",
      isAbstract: true,
      extends: ["bpmn:Task"],
      properties: [
        { name: "action", isAttr: true, type: "String" },
        { name: "deadlineHours", isAttr: true, type: "String" },
        { name: "remindBeforeHours", isAttr: true, type: "String" },
      ],
    },
    {
      name: "Assignee",
      superClass: ["Element"],
      properties: [
        { name: "kind", isAttr: true, type: "String" },
        { name: "userIds", isAttr: true, type: "String" },
        { name: "roleCode", isAttr: true, type: "String" },
        { name: "within", isAttr: true, type: "String" },
        { name: "unitId", isAttr: true, type: "String" },
        { name: "field", isAttr: true, type: "String" },
      ],
    },
  ],
};
