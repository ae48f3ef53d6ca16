/**
 * IN_PAN: Indian Permanent Account Numbers `ABCPE1234F`: five letters (the fourth the
 * holder type: P person, C company, H HUF, F firm, A AOP, T trust, B BOI, L local authority,
 * J juridical person, G government), four digits, a letter. The shape is weak, so a context
 * word is required.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector, hasContext } from './pattern-detector.js'

const PAN_RE = /(?<![\w-])[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z](?![\w-])/g
const CONTEXT = ['pan', 'permanent account', 'income tax', 'pan card', 'pan no']

/** Detects PANs near a context word; score 0.7. */
export const inPanDetector: Detector = createPatternDetector({
  id: 'in-pan',
  // Five capitals, four consecutive digits, a capital: a ten-character code.
  atLeast: { digitRun: 4, upper: 6, codeRun: 10 },
  entityType: 'IN_PAN',
  patterns: [PAN_RE],
  validate: (m, text) => hasContext(text, m.index, m.index + m[0].length, CONTEXT),
  baseScore: 0.7,
})
