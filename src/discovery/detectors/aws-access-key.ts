/**
 * AWS_ACCESS_KEY: AWS access key ids, a four-character resource prefix (`AKIA` long-term
 * user key, `ASIA` temporary STS key, and the other IAM unique-id prefixes) and sixteen
 * upper-case letters and digits (IAM User Guide, "Unique identifiers"). AWS's documented
 * example `AKIAIOSFODNN7EXAMPLE` is reported as a test value.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'
import { TEST_AWS_KEYS, TEST_VALUE_SCORE } from './test-values.js'

const AWS_KEY_RE = /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/g

/** Detects access key ids; score 0.9 (0.3 for AWS's documentation key). */
export const awsAccessKeyDetector: Detector = createPatternDetector({
  id: 'aws-access-key',
  // Twenty capitals and digits in one run, the prefix holding at least two capitals.
  atLeast: { wordRun: 20, upper: 2 },
  needs: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'],
  entityType: 'AWS_ACCESS_KEY',
  patterns: [AWS_KEY_RE],
  validate: (m) =>
    TEST_AWS_KEYS.has(m[0])
      ? { start: m.index, end: m.index + m[0].length, score: TEST_VALUE_SCORE, testValue: true }
      : true,
  baseScore: 0.9,
  contextWords: ['aws', 'access key', 'key id', 'amazon', 'iam'],
  contextBoost: 0.1,
})
