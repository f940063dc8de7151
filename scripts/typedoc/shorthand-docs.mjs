// @ts-check
/**
 * TypeDoc plugin: a method returned in shorthand (`return { iterate, tail }`) takes the doc comment
 * of the function it names. TypeDoc reads comments only where a property is declared, so the
 * helpers' documented functions would otherwise appear undocumented in the reference.
 */
import { Converter } from "typedoc";
import ts from "typescript";

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (reflection.comment) return;
    const declaration = context.getSymbolFromReflection(reflection)?.declarations?.[0];
    if (!declaration || !ts.isShorthandPropertyAssignment(declaration)) return;
    const target = context.checker.getShorthandAssignmentValueSymbol(declaration);
    const named = target?.declarations?.[0];
    if (!target || !named || !(ts.isFunctionDeclaration(named) || ts.isVariableDeclaration(named))) return;
    reflection.comment = context.getComment(target, reflection.kind) ?? context.getSignatureComment(/** @type {ts.FunctionDeclaration} */ (named));
  });
}
