import { actionMatches, wildcardMatches } from "./access.js";

/**
 * ABAC role-assignment conditions (conditionVersion 2.0) as ACR documents them: `ActionMatches{'…'}`
 * and the repository-name attribute `@Request[Microsoft.ContainerRegistry/registries/repositories:name]`
 * compared with the String* operators, combined with `!`/NOT, AND, OR and parentheses. Anything else
 * is reported as not understood rather than guessed at.
 */

export interface AccessRequest {
  /** The data action asked for, e.g. `Microsoft.ContainerRegistry/registries/repositories/content/write`. */
  action: string;
  repository: string;
}

type Node =
  | { kind: "or" | "and"; left: Node; right: Node }
  | { kind: "not"; operand: Node }
  | { kind: "action"; pattern: string }
  | { kind: "repository"; operator: StringOperator; values: string[]; quantifier: "any" | "all" };

interface StringOperator {
  test: "equals" | "startsWith" | "like";
  negated: boolean;
  ignoreCase: boolean;
}

export type ParsedCondition =
  { ok: true; evaluate: (request: AccessRequest) => boolean } | { ok: false; error: string };

const REPOSITORY_ATTRIBUTE = "microsoft.containerregistry/registries/repositories:name";

export function parseCondition(text: string): ParsedCondition {
  try {
    const parser = new Parser(tokenize(text));
    const node = parser.parseExpression();
    parser.expectEnd();
    return { ok: true, evaluate: (request) => evaluate(node, request) };
  } catch (error) {
    if (error instanceof ConditionSyntaxError) return { ok: false, error: error.message };
    throw error;
  }
}

class ConditionSyntaxError extends Error {}

type Token =
  | { type: "punct"; value: "(" | ")" | "{" | "}" | "," | "!" }
  | { type: "string"; value: string }
  | { type: "word"; value: string }
  | { type: "attribute"; source: string; name: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const char = rest[0] as string;
    if ("(){},!".includes(char)) {
      tokens.push({ type: "punct", value: char as "(" });
      i += 1;
      continue;
    }
    const logical = /^(&&|\|\|)/.exec(rest);
    if (logical) {
      tokens.push({ type: "word", value: logical[0] === "&&" ? "AND" : "OR" });
      i += 2;
      continue;
    }
    const quoted = /^'((?:[^']|'')*)'/.exec(rest);
    if (quoted) {
      tokens.push({ type: "string", value: (quoted[1] as string).replace(/''/g, "'") });
      i += quoted[0].length;
      continue;
    }
    const attribute = /^@(\w+)\[([^\]]+)\]/.exec(rest);
    if (attribute) {
      tokens.push({
        type: "attribute",
        source: attribute[1] as string,
        name: (attribute[2] as string).trim(),
      });
      i += attribute[0].length;
      continue;
    }
    const word = /^[A-Za-z][\w:]*/.exec(rest);
    if (word) {
      tokens.push({ type: "word", value: word[0] });
      i += word[0].length;
      continue;
    }
    throw new ConditionSyntaxError(`unexpected '${rest.slice(0, 20)}'`);
  }
  return tokens;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parseExpression(): Node {
    let left = this.parseAnd();
    while (this.takeWord("OR")) left = { kind: "or", left, right: this.parseAnd() };
    return left;
  }

  expectEnd(): void {
    const next = this.tokens[this.position];
    if (next) throw new ConditionSyntaxError(`unexpected ${describe(next)} after the end of the expression`);
  }

  private parseAnd(): Node {
    let left = this.parseUnary();
    while (this.takeWord("AND")) left = { kind: "and", left, right: this.parseUnary() };
    return left;
  }

  private parseUnary(): Node {
    if (this.takePunct("!") || this.takeWord("NOT")) return { kind: "not", operand: this.parseUnary() };
    return this.parsePrimary();
  }

  private parsePrimary(): Node {
    if (this.takePunct("(")) {
      const inner = this.parseExpression();
      this.expectPunct(")");
      return inner;
    }
    const token = this.next();
    if (token.type === "word" && token.value.toLowerCase() === "actionmatches") {
      this.expectPunct("{");
      const pattern = this.expectString();
      this.expectPunct("}");
      return { kind: "action", pattern };
    }
    if (token.type === "attribute") return this.parseComparison(token);
    throw new ConditionSyntaxError(`${describe(token)} is not a condition this tool understands`);
  }

  private parseComparison(attribute: Extract<Token, { type: "attribute" }>): Node {
    if (
      !/^(request|resource)$/i.test(attribute.source) ||
      attribute.name.toLowerCase() !== REPOSITORY_ATTRIBUTE
    ) {
      throw new ConditionSyntaxError(
        `the attribute @${attribute.source}[${attribute.name}] is not supported`,
      );
    }
    const token = this.next();
    if (token.type !== "word")
      throw new ConditionSyntaxError(`expected an operator, found ${describe(token)}`);
    const [quantifierText, operatorText] = token.value.includes(":")
      ? (token.value.split(":") as [string, string])
      : [undefined, token.value];
    const operator = stringOperator(operatorText);
    if (quantifierText === undefined)
      return { kind: "repository", operator, values: [this.expectString()], quantifier: "any" };
    const quantifier = /^For(Any|All)Of(Any|All)Values$/i.exec(quantifierText);
    if (!quantifier) throw new ConditionSyntaxError(`the quantifier '${quantifierText}' is not supported`);
    return {
      kind: "repository",
      operator,
      values: this.expectStringSet(),
      // The repository name is single-valued, so only the right-hand quantifier matters.
      quantifier: (quantifier[2] as string).toLowerCase() === "all" ? "all" : "any",
    };
  }

  private expectStringSet(): string[] {
    if (!this.takePunct("{")) return [this.expectString()];
    const values = [this.expectString()];
    while (this.takePunct(",")) values.push(this.expectString());
    this.expectPunct("}");
    return values;
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (!token) throw new ConditionSyntaxError("the condition ends too early");
    return token;
  }

  private takeWord(word: string): boolean {
    const token = this.tokens[this.position];
    if (token?.type !== "word" || token.value.toUpperCase() !== word) return false;
    this.position++;
    return true;
  }

  private takePunct(value: string): boolean {
    const token = this.tokens[this.position];
    if (token?.type !== "punct" || token.value !== value) return false;
    this.position++;
    return true;
  }

  private expectPunct(value: string): void {
    if (!this.takePunct(value)) throw new ConditionSyntaxError(`expected '${value}'`);
  }

  private expectString(): string {
    const token = this.next();
    if (token.type !== "string")
      throw new ConditionSyntaxError(`expected a quoted string, found ${describe(token)}`);
    return token.value;
  }
}

function stringOperator(text: string): StringOperator {
  const match = /^String(Not)?(Equals|StartsWith|Like)(IgnoreCase)?$/i.exec(text);
  if (!match) throw new ConditionSyntaxError(`the operator '${text}' is not supported`);
  const test = (match[2] as string).toLowerCase();
  return {
    test: test === "equals" ? "equals" : test === "startswith" ? "startsWith" : "like",
    negated: Boolean(match[1]),
    ignoreCase: Boolean(match[3]),
  };
}

function describe(token: Token): string {
  if (token.type === "attribute") return `@${token.source}[${token.name}]`;
  if (token.type === "string") return `'${token.value}'`;
  return `'${token.value}'`;
}

function evaluate(node: Node, request: AccessRequest): boolean {
  switch (node.kind) {
    case "or":
      return evaluate(node.left, request) || evaluate(node.right, request);
    case "and":
      return evaluate(node.left, request) && evaluate(node.right, request);
    case "not":
      return !evaluate(node.operand, request);
    case "action":
      return actionMatches(node.pattern, request.action);
    case "repository": {
      const results = node.values.map((value) => compare(node.operator, request.repository, value));
      return node.quantifier === "all" ? results.every(Boolean) : results.some(Boolean);
    }
  }
}

function compare(operator: StringOperator, actual: string, expected: string): boolean {
  const [a, e] = operator.ignoreCase ? [actual.toLowerCase(), expected.toLowerCase()] : [actual, expected];
  const matched =
    operator.test === "equals"
      ? a === e
      : operator.test === "startsWith"
        ? a.startsWith(e)
        : wildcardMatches(e, a, { ignoreCase: false });
  return operator.negated ? !matched : matched;
}
