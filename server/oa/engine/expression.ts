import jsep, { type Expression } from "jsep";

/**
 * Conditions on the flows out of a branch: a small expression language over
 * the form's fields, parsed by jsep and evaluated here over its syntax tree —
 * never eval or new Function, and nothing reachable but the form's own values.
 *
 *   urgency == "特急" && copies > 10
 *   docType in ["请示", "报告"] || !needsCountersign
 *   form.title contains "教育"
 *
 * Identifiers name fields of the form (`form.x` says the same); literals are
 * numbers, strings, true, false, null and arrays of them. Operators: ! - (unary),
 * * / %, + -, < <= > >=, == != (strict), in, contains, &&, ||, ?:.
 */
export type Value = string | number | boolean | null | Value[];

export class ExpressionError extends Error {}

// Word operators, at the precedence of the comparisons they sit beside.
jsep.addBinaryOp("in", 7);
jsep.addBinaryOp("contains", 7);
// Assignment, bitwise and the looser equality have no place in a condition.
for (const op of ["|", "^", "&", "<<", ">>", ">>>", "===", "!=="]) jsep.removeBinaryOp(op);
jsep.removeUnaryOp("~");
jsep.removeUnaryOp("+");

const MAX_LENGTH = 500;
const MAX_NODES = 200;

export function parseExpression(source: string): Expression {
  if (source.length > MAX_LENGTH) throw new ExpressionError(`longer than ${MAX_LENGTH} characters`);
  let tree: Expression;
  try {
    tree = jsep(source);
  } catch (error) {
    throw new ExpressionError(error instanceof Error ? error.message : String(error));
  }
  let nodes = 0;
  const check = (node: Expression): void => {
    if (++nodes > MAX_NODES) throw new ExpressionError(`more than ${MAX_NODES} parts`);
    switch (node.type) {
      case "Literal":
        return;
      case "Identifier":
        return;
      case "MemberExpression": {
        const object = node.object as Expression;
        const property = node.property as Expression;
        if (object.type !== "Identifier" || object.name !== "form" || node.computed || property.type !== "Identifier")
          throw new ExpressionError("only form.<field> may be looked up");
        return;
      }
      case "ArrayExpression":
        for (const element of node.elements as (Expression | null)[]) {
          if (!element) throw new ExpressionError("an array has an empty place");
          check(element);
        }
        return;
      case "UnaryExpression":
        if (!["!", "-"].includes(node.operator as string))
          throw new ExpressionError(`unknown operator ${String(node.operator)}`);
        return check(node.argument as Expression);
      case "BinaryExpression":
        check(node.left as Expression);
        return check(node.right as Expression);
      case "ConditionalExpression":
        check(node.test as Expression);
        check(node.consequent as Expression);
        return check(node.alternate as Expression);
      case "Compound":
        throw new ExpressionError("one expression only");
      default:
        throw new ExpressionError(`${node.type} is not allowed`);
    }
  };
  check(tree);
  return tree;
}

function fieldOf(form: Readonly<Record<string, unknown>>, name: string): Value {
  if (!Object.hasOwn(form, name)) return null;
  return toValue(form[name]);
}

function toValue(raw: unknown): Value {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") return raw;
  if (Array.isArray(raw)) return raw.map(toValue);
  // Objects and functions are not values of the language.
  return null;
}

function number(value: Value, op: string): number {
  if (typeof value !== "number") throw new ExpressionError(`${op} needs numbers`);
  return value;
}

function equal(a: Value, b: Value): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]!));
  }
  return a === b;
}

function truthy(value: Value): boolean {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}

function evaluate(node: Expression, form: Readonly<Record<string, unknown>>): Value {
  switch (node.type) {
    case "Literal":
      return toValue(node.value);
    case "Identifier": {
      const name = node.name as string;
      if (name === "true") return true;
      if (name === "false") return false;
      if (name === "null") return null;
      return fieldOf(form, name);
    }
    case "MemberExpression":
      return fieldOf(form, (node.property as Expression).name as string);
    case "ArrayExpression":
      return (node.elements as Expression[]).map((e) => evaluate(e, form));
    case "UnaryExpression": {
      const value = evaluate(node.argument as Expression, form);
      return node.operator === "!" ? !truthy(value) : -number(value, "-");
    }
    case "ConditionalExpression":
      return truthy(evaluate(node.test as Expression, form))
        ? evaluate(node.consequent as Expression, form)
        : evaluate(node.alternate as Expression, form);
    case "BinaryExpression": {
      const op = node.operator as string;
      const left = evaluate(node.left as Expression, form);
      // Short circuits: the right side is not evaluated when the left decides.
      if (op === "&&") return truthy(left) ? truthy(evaluate(node.right as Expression, form)) : false;
      if (op === "||") return truthy(left) ? true : truthy(evaluate(node.right as Expression, form));
      const right = evaluate(node.right as Expression, form);
      switch (op) {
        case "==":
          return equal(left, right);
        case "!=":
          return !equal(left, right);
        case "<":
        case "<=":
        case ">":
        case ">=": {
          const both =
            (typeof left === "number" && typeof right === "number") ||
            (typeof left === "string" && typeof right === "string");
          // A missing field compares false rather than failing the whole branch.
          if (!both) return false;
          const [a, b] = [left, right] as [number, number];
          return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
        }
        case "+":
          if (typeof left === "string" || typeof right === "string") return `${left ?? ""}${right ?? ""}`;
          return number(left, "+") + number(right, "+");
        case "-":
          return number(left, "-") - number(right, "-");
        case "*":
          return number(left, "*") * number(right, "*");
        case "/":
          return number(left, "/") / number(right, "/");
        case "%":
          return number(left, "%") % number(right, "%");
        case "in":
          if (!Array.isArray(right))
            return typeof right === "string" && typeof left === "string" && right.includes(left);
          return right.some((item) => equal(item, left));
        case "contains":
          if (Array.isArray(left)) return left.some((item) => equal(item, right));
          return typeof left === "string" && typeof right === "string" && left.includes(right);
        default:
          throw new ExpressionError(`unknown operator ${op}`);
      }
    }
    default:
      throw new ExpressionError(`${node.type} is not allowed`);
  }
}

/** Whether the condition holds for the form; an expression that cannot be evaluated is an ExpressionError. */
export function holds(condition: string | Expression, form: Readonly<Record<string, unknown>>): boolean {
  const tree = typeof condition === "string" ? parseExpression(condition) : condition;
  return truthy(evaluate(tree, form));
}
