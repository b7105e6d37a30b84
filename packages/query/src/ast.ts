/**
 * The syntax tree produced by `parse`. Every node carries `pos` (0-based offset of its
 * first character) and `end` (offset just past it) so later phases can point at it.
 */

/** The comparison operators of the language. */
export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~' | '!~' | 'in';

/** The comparison operators, for lexing and tests. */
export const compareOps: readonly CompareOp[] = ['=', '!=', '>', '>=', '<', '<=', '~', '!~', 'in'];

interface Node {
  pos: number;
  end: number;
}

/** `'str'`, `"str"`, a number, `true`, `false` or `null`. */
export interface LiteralNode extends Node {
  kind: 'literal';
  value: string | number | boolean | null;
}

/** `[literal, ...]` (only scalar literals; lists do not nest). */
export interface ListNode extends Node {
  kind: 'list';
  items: LiteralNode[];
}

/** `name`, `author.name`, `auth.id`, `request.data.title`, `now`. */
export interface PathNode extends Node {
  kind: 'path';
  segments: string[];
  /** Start offset of each segment, for errors that point at one segment. */
  positions: number[];
}

/** `fn(args)`. */
export interface CallNode extends Node {
  kind: 'call';
  name: string;
  args: Expr[];
}

/** `!expr`. */
export interface NotNode extends Node {
  kind: 'not';
  operand: Expr;
}

/** `a && b && ...` or `a || b || ...`, flattened so long chains do not nest deeply. */
export interface LogicalNode extends Node {
  kind: 'and' | 'or';
  operands: Expr[];
}

/** `left op right`. */
export interface CompareNode extends Node {
  kind: 'compare';
  op: CompareOp;
  /** Offset of the operator token. */
  opPos: number;
  left: Expr;
  right: Expr;
}

/** An operand: what may stand on either side of a comparison. */
export type Operand = LiteralNode | ListNode | PathNode | CallNode;

/** Any expression of the language. */
export type Expr = Operand | NotNode | LogicalNode | CompareNode;
