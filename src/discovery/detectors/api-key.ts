/**
 * API_KEY: vendor API tokens whose shape is documented and distinctive: GitHub tokens
 * (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36 base62, and `github_pat_`), Slack tokens
 * (`xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`), Stripe secret and restricted keys
 * (`sk_live_`, `rk_live_`; `sk_test_` is reported as a test value), Google API keys
 * (`AIza` + 35), OpenAI-style `sk-` keys (48+ characters) and GitLab personal tokens
 * (`glpat-` + 20). Generic "api_key=…" assignments are the PASSWORD detector's job.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'
import { TEST_VALUE_SCORE } from './test-values.js'

const API_KEY_RE =
  /(?<![A-Za-z0-9_-])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82}|xox[bpars]-[A-Za-z0-9-]{10,200}|[sr]k_(?:live|test)_[A-Za-z0-9]{24,99}|AIza[0-9A-Za-z_-]{35}|sk-(?:proj-)?[A-Za-z0-9_-]{40,200}|glpat-[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])/g

/** Detects vendor API tokens; score 0.9 (test-mode Stripe keys: a test value). */
export const apiKeyDetector: Detector = createPatternDetector({
  id: 'api-key',
  // A match is one unbroken run of at least fifteen letters, digits, underscores or hyphens ("xoxb-" and ten).
  atLeast: { wordRun: 15 },
  needs: ['gh', 'xox', 'k_live_', 'k_test_', 'AIza', 'sk-', 'glpat-'],
  entityType: 'API_KEY',
  patterns: [API_KEY_RE],
  validate: (m) => {
    const v = m[0]
    // `sk-` alone also starts ordinary hyphenated words; require digits and letters mixed.
    if (v.startsWith('sk-') && !(/\d/.test(v) && /[A-Za-z]/.test(v.slice(3)))) return false
    if (v.startsWith('sk_test_') || v.startsWith('rk_test_'))
      return { start: m.index, end: m.index + v.length, score: TEST_VALUE_SCORE, testValue: true }
    return true
  },
  baseScore: 0.9,
  contextWords: ['token', 'api', 'key', 'secret', 'bearer', 'authorization'],
  contextBoost: 0.1,
})
