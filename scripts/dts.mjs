// dist/callcore.d.ts: the hand-written declarations (js/callcore.d.ts) followed by the enums,
// generated from the event dictionary the wasm core carries (src/callcore/events/dictionary.cpp),
// so a name or value can never differ between the core, the JS enums and the types.
//
// Each dictionary group becomes a real TypeScript string enum, usable as a value and as a type
// (`IEvent<EVENT_LIST.HANG_UP, void>`), as in the budu-webrtc seed:
//   export declare enum EVENT_LIST { ALL = 'allEvent', HANG_UP = 'hangUpReceiveEvent', ... }
// and a union of its string values under a second name (`CallState` = 'idle' | ... ), so plain
// strings compare and assign too (`case 'enter':` on a CallError type).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

/** Group → the name of the union of its values. CALL_ERROR_TYPE_LIST's is the seed's CallErrorMessage. */
export const UNION_NAMES = Object.freeze({
  EVENT_LIST: 'EventType',
  SOCKET_MESSAGES_EVENT_LIST: 'SocketMessageType',
  CONNECTION_EVENT_LIST: 'ConnectionEventType',
  EMIT_TYPE_LIST: 'EmitType',
  CALL_STATE_LIST: 'CallState',
  CALL_ERROR_TYPE_LIST: 'CallErrorMessage',
  LOG_EVENT_LIST: 'LogEvent',
});

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The TypeScript declarations of the dictionary's enums.
 * @param {Record<string, Record<string, string>>} dictionary `{GROUP: {KEY: value}}` as the
 *   core's `dictionary()` returns it
 * @returns {string} declaration text (`export declare enum ...` and `export type ... = ...`)
 * @throws {Error} when a group has no union name in UNION_NAMES (a new group needs one), a
 *   group or key is not an identifier, or a value is not a non-empty string
 */
export function enumDeclarations(dictionary) {
  let text = '\n// ---- generated from src/callcore/events/dictionary.cpp by scripts/dts.mjs ----\n';
  for (const [group, entries] of Object.entries(dictionary)) {
    const union = UNION_NAMES[group];
    if (!union) throw new Error(`scripts/dts.mjs: dictionary group ${group} has no union name in UNION_NAMES`);
    const members = Object.entries(entries).map(([key, value]) => {
      if (!IDENTIFIER.test(key)) throw new Error(`scripts/dts.mjs: ${group}.${key} is not an identifier`);
      if (typeof value !== 'string' || value === '') throw new Error(`scripts/dts.mjs: ${group}.${key} is not a non-empty string`);
      return `  ${key} = '${value.replace(/[\\']/g, (c) => `\\${c}`)}',`;
    });
    if (!IDENTIFIER.test(group)) throw new Error(`scripts/dts.mjs: group ${group} is not an identifier`);
    text += `/** ${group} of the core's event dictionary (a string enum; also usable as a type). */\n`;
    text += `export declare enum ${group} {\n${members.join('\n')}\n}\n`;
    text += `/** The string values of ${group}. */\n`;
    text += `export type ${union} = \`\${${group}}\`;\n`;
  }
  return text;
}

/**
 * The seed's EventDataMap (every event type → its payload type), from the payload shapes the
 * dictionary gives each event, wire message type and connection event.
 * @param {Array<{group: string, key: string, type: string, doc: string}>} payloads in order
 * @returns {string} `export interface EventDataMap { [GROUP.KEY]: Type; ... }`
 * @throws {Error} when an entry's group or key is not an identifier or its type is empty
 */
export function payloadDeclarations(payloads) {
  const lines = payloads.map(({ group, key, type, doc }) => {
    if (!IDENTIFIER.test(group) || !IDENTIFIER.test(key)) throw new Error(`scripts/dts.mjs: payload ${group}.${key} is not an identifier`);
    if (typeof type !== 'string' || type === '') throw new Error(`scripts/dts.mjs: payload ${group}.${key} has no type`);
    return `${doc ? `  /** ${doc.replace(/\*\//g, '*\\/')} */\n` : ''}  [${group}.${key}]: ${type};`;
  });
  return `/** Payload type of every event type (the seed's EventDataMap): \`EventMap[K] = IEvent<K, EventDataMap[K]>\`. */\nexport interface EventDataMap {\n${lines.join('\n')}\n}\n`;
}

/**
 * Writes dist/callcore.d.ts (and dist/room.d.ts, dist/sip.d.ts: js/room/room.d.ts, js/sip/sip.d.ts as is): js/callcore.d.ts + the enum and payload declarations of the core's
 * dictionary, as printed by the build tool build/wasm/callcore_dictionary.cjs
 * (bindings/dictionary_json.cpp, run by node).
 * @param {{root: string, wasmDir: string}} options the repository root and build/wasm
 * @returns {Promise<string>} the path written
 * @throws {Error} when the tool fails or the dictionary is invalid (enumDeclarations)
 */
export async function writeDeclarations({ root, wasmDir }) {
  const tool = join(wasmDir, 'callcore_dictionary.cjs');
  const { groups, payloads } = JSON.parse(execFileSync(process.execPath, [tool], { encoding: 'utf8' }));
  const out = join(root, 'dist', 'callcore.d.ts');
  writeFileSync(out, readFileSync(join(root, 'js', 'callcore.d.ts'), 'utf8') + enumDeclarations(groups) + payloadDeclarations(payloads));
  // dist/room.d.ts (`callcore/room`): its own declarations, importing the shared ones and the
  // generated enums from ./callcore.js (this file), so they are declared once.
  writeFileSync(join(root, 'dist', 'room.d.ts'), readFileSync(join(root, 'js', 'room', 'room.d.ts'), 'utf8'));
  // dist/sip.d.ts (`callcore/sip`): the same way.
  writeFileSync(join(root, 'dist', 'sip.d.ts'), readFileSync(join(root, 'js', 'sip', 'sip.d.ts'), 'utf8'));
  return out;
}
