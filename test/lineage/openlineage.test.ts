/**
 * OpenLineage RunEvents validated against the published 2-0-2 JSON Schema
 * (https://openlineage.io/spec/2-0-2/OpenLineage.json, a copy in shared/data/openlineage/).
 *
 * The core schema only requires a facet to be an object with `_producer` and `_schemaURL`;
 * each facet's own schema is referenced by URL and cannot be fetched here (no network).
 * So the facets are checked again against the required fields of their published specs,
 * transcribed below (SchemaDatasetFacet 1-1-1, DatasourceDatasetFacet 1-0-1,
 * ColumnLineageDatasetFacet 1-2-0, ErrorMessageRunFacet 1-0-1, NominalTimeRunFacet 1-0-1),
 * and the custom `strongroom_version` facet against the schema we publish for it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { describe, expect, it } from 'vitest'

import type { DatasetSchema } from '../../src/core/schema.js'
import { isStrongroomError } from '../../src/errors.js'
import {
  FACET_SCHEMA_URLS,
  STRONGROOM_PRODUCER,
  STRONGROOM_VERSION_FACET_SCHEMA,
  buildRunEvent,
  jobName,
  lineageEdgesOf,
  newRunId,
  runEventsFromEdges,
} from '../../src/lineage/openlineage.js'
import type {
  BuildRunEventOptions,
  LineageDatasetRef,
  LineageFileRef,
  LineageOutput,
  OpenLineageRunEvent,
} from '../../src/lineage/openlineage.js'

const dataDir = fileURLToPath(new URL('../../../shared/data/openlineage/', import.meta.url))
const required = process.env['STRONGROOM_REQUIRE_SERVICES'] === '1'
const present = existsSync(join(dataDir, 'OpenLineage-2-0-2.json'))

if (!present) {
  const why = `OpenLineage schema folder ${dataDir} is absent`
  if (required) {
    describe('OpenLineage 2-0-2 schema', () => {
      it('is present (STRONGROOM_REQUIRE_SERVICES=1)', () => {
        expect.fail(`${why}; STRONGROOM_REQUIRE_SERVICES=1, so this must fail`)
      })
    })
  } else {
    console.warn(`[openlineage] skipping schema validation: ${why}`)
  }
}

// ajv's CommonJS default export: the class is module.exports under NodeNext.
const Ajv = Ajv2020 as unknown as typeof Ajv2020.default
const formats = addFormats as unknown as typeof addFormats.default

function newAjv(): InstanceType<typeof Ajv> {
  // strictRequired off: the spec's `not: { required: [...] }` names properties defined in
  // a sibling allOf branch, which ajv's strict mode flags although the schema is valid.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false })
  // The spec annotates properties with `example`, which is not a 2020-12 keyword.
  ajv.addKeyword('example')
  formats(ajv)
  return ajv
}

const SCHEMA: DatasetSchema = {
  columns: [
    { name: 'id', type: 'int64', physicalType: 'BIGINT', nullable: false },
    { name: 'email', type: 'string', physicalType: 'VARCHAR', nullable: true },
    { name: 'phone', type: 'string', physicalType: 'VARCHAR', nullable: true },
  ],
}

const SAFE_SCHEMA: DatasetSchema = {
  columns: [
    { name: 'id', type: 'int64', physicalType: 'BIGINT', nullable: false },
    { name: 'email_token', type: 'string', physicalType: 'VARCHAR', nullable: true },
    { name: 'phone', type: 'string', physicalType: 'VARCHAR', nullable: true },
  ],
}

const FILE: LineageFileRef = { kind: 'file', path: '/srv/in/customers 2024#1.csv', schema: SCHEMA }
const RAW: LineageDatasetRef = {
  kind: 'dataset',
  lakeId: 'lake_7x2q',
  namespace: 'crm',
  name: 'customers',
  schema: SCHEMA,
  version: { datasetId: 'ds_abc', version: 4 },
}
const SAFE: LineageOutput = {
  kind: 'dataset',
  lakeId: 'lake_7x2q',
  namespace: 'crm',
  name: 'customers_safe',
  schema: SAFE_SCHEMA,
  version: { datasetId: 'ds_def', version: 2 },
  columnLineage: [
    { target: 'id', sources: [{ field: 'id' }], transformation: 'identity' },
    { target: 'email_token', sources: [{ field: 'email' }], transformation: 'tokenized' },
    { target: 'phone', sources: [{ input: 1, field: 'phone' }], transformation: 'masked' },
  ],
}

const RUN_ID = '0f8e3b7a-2c1d-4e5f-9a6b-7c8d9e0f1a2b'
const T0 = new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 123))

function allEvents(): Record<string, OpenLineageRunEvent> {
  const job = { name: jobName('protect', { namespace: 'crm', name: 'customers_safe' }) }
  return {
    start: buildRunEvent({
      eventType: 'START',
      runId: RUN_ID,
      job,
      inputs: [RAW, FILE],
      eventTime: T0,
    }),
    complete: buildRunEvent({
      eventType: 'COMPLETE',
      runId: RUN_ID,
      job,
      inputs: [RAW, FILE],
      outputs: [SAFE],
      eventTime: T0,
      nominalTime: { start: T0, end: new Date(T0.getTime() + 3_600_000) },
    }),
    fail: buildRunEvent({
      eventType: 'FAIL',
      runId: RUN_ID,
      job,
      inputs: [RAW],
      outputs: [{ ...SAFE, columnLineage: [] }],
      eventTime: T0,
      errorCode: 'ERR_INPUT_MALFORMED',
    }),
    bare: buildRunEvent({ eventType: 'START', runId: newRunId(), job: { name: 'gc' } }),
  }
}

// Required fields of the published facet specs (see the file comment), as JSON Schema.
const URI = { type: 'string', format: 'uri' }
const BASE = { _producer: URI, _schemaURL: URI }
const BASE_REQUIRED = ['_producer', '_schemaURL']
const FACET_SPECS: Record<string, object> = {
  schema: {
    type: 'object',
    properties: {
      ...BASE,
      fields: {
        type: 'array',
        items: {
          type: 'object',
          properties: { name: { type: 'string' }, type: { type: 'string' } },
          required: ['name'],
        },
      },
    },
    required: [...BASE_REQUIRED, 'fields'],
  },
  dataSource: {
    type: 'object',
    properties: { ...BASE, name: { type: 'string' }, uri: URI },
    required: [...BASE_REQUIRED, 'name', 'uri'],
  },
  columnLineage: {
    type: 'object',
    properties: {
      ...BASE,
      fields: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          properties: {
            inputFields: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  namespace: { type: 'string' },
                  name: { type: 'string' },
                  field: { type: 'string' },
                  transformations: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        type: { enum: ['DIRECT', 'INDIRECT'] },
                        subtype: { type: 'string' },
                        description: { type: 'string' },
                        masking: { type: 'boolean' },
                      },
                      required: ['type'],
                    },
                  },
                },
                required: ['namespace', 'name', 'field'],
              },
            },
          },
          required: ['inputFields'],
        },
      },
    },
    required: [...BASE_REQUIRED, 'fields'],
  },
  errorMessage: {
    type: 'object',
    properties: { ...BASE, message: { type: 'string' }, programmingLanguage: { type: 'string' } },
    required: [...BASE_REQUIRED, 'message', 'programmingLanguage'],
  },
  nominalTime: {
    type: 'object',
    properties: {
      ...BASE,
      nominalStartTime: { type: 'string', format: 'date-time' },
      nominalEndTime: { type: 'string', format: 'date-time' },
    },
    required: [...BASE_REQUIRED, 'nominalStartTime'],
  },
}

/** Every facet of an event, as [key, facet] pairs. */
function facetsOf(event: OpenLineageRunEvent): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = []
  const push = (facets: object | undefined): void => {
    for (const [k, v] of Object.entries(facets ?? {})) out.push([k, v as Record<string, unknown>])
  }
  push(event.run.facets)
  for (const d of [...event.inputs, ...event.outputs]) push(d.facets)
  return out
}

describe.runIf(present)('OpenLineage 2-0-2 RunEvents', () => {
  const ajv = newAjv()
  const spec = JSON.parse(readFileSync(join(dataDir, 'OpenLineage-2-0-2.json'), 'utf8')) as object
  const validate = ajv.compile(spec)
  // The facet schema's root describes `{ strongroom_version: facet }` (the layout of the
  // published facet specs); the facet itself is the $defs entry.
  ajv.addSchema(STRONGROOM_VERSION_FACET_SCHEMA)
  const versionFacet = ajv.getSchema(
    `${STRONGROOM_VERSION_FACET_SCHEMA.$id}#/$defs/StrongroomVersionDatasetFacet`,
  )
  if (versionFacet === undefined) throw new Error('strongroom_version facet schema not found')
  const facetValidators = new Map(
    Object.entries(FACET_SPECS).map(([k, s]) => [k, newAjv().compile(s)]),
  )

  function expectValid(event: unknown): void {
    const ok = validate(event)
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([])
    expect(ok).toBe(true)
  }

  it('positive control: the spec example event validates', () => {
    const example: unknown = JSON.parse(
      readFileSync(join(dataDir, 'example-run-event.json'), 'utf8'),
    )
    expectValid(example)
  })

  it('negative control: broken events fail', () => {
    const good = allEvents()['complete']
    expectValid(good)
    const broken: unknown[] = [
      { ...good, eventType: 'DONE' },
      { ...good, eventTime: 'yesterday' },
      { ...good, producer: 'not a uri' },
      { ...good, run: { runId: 'not-a-uuid' } },
      { ...good, run: {} },
      { ...good, job: { namespace: 'strongroom' } },
      { ...good, inputs: [{ namespace: 'file' }] },
      // A facet without _producer / _schemaURL breaks BaseFacet.
      { ...good, inputs: [{ namespace: 'file', name: '/x', facets: { schema: { fields: [] } } }] },
      { ...good, run: { runId: RUN_ID, facets: { errorMessage: { message: 'x' } } } },
    ]
    for (const b of broken) expect(validate(b), JSON.stringify(b).slice(0, 200)).toBe(false)
  })

  it('builds START, COMPLETE (all facets) and FAIL events that validate', () => {
    for (const [kind, event] of Object.entries(allEvents())) {
      expect(validate(event), `${kind}: ${JSON.stringify(validate.errors)}`).toBe(true)
      // The JSON a consumer receives validates too (no undefined, no Date objects).
      expectValid(JSON.parse(JSON.stringify(event)))
    }
  })

  it('gives every facet its published required fields', () => {
    const seen = new Set<string>()
    for (const event of Object.values(allEvents())) {
      for (const [key, facet] of facetsOf(event)) {
        seen.add(key)
        expect(facet['_producer']).toBe(STRONGROOM_PRODUCER)
        expect(facet['_schemaURL']).toBe(FACET_SCHEMA_URLS[key as keyof typeof FACET_SCHEMA_URLS])
        const check = key === 'strongroom_version' ? versionFacet : facetValidators.get(key)
        expect(check, `no spec transcribed for facet ${key}`).toBeDefined()
        expect(check?.(facet), `${key}: ${JSON.stringify(check?.errors)}`).toBe(true)
      }
    }
    expect([...seen].sort()).toEqual(
      [
        'columnLineage',
        'dataSource',
        'errorMessage',
        'nominalTime',
        'schema',
        'strongroom_version',
      ].sort(),
    )
    // The facet checks themselves can fail.
    expect(facetValidators.get('dataSource')?.({ _producer: STRONGROOM_PRODUCER })).toBe(false)
    expect(versionFacet({ _producer: 'x:y', _schemaURL: 'x:y', version: 0, datasetId: 'd' })).toBe(
      false,
    )
  })

  it('names files and lake datasets by the OpenLineage naming conventions', () => {
    const event = allEvents()['complete']
    const [raw, file] = event?.inputs ?? []
    expect(file?.namespace).toBe('file')
    expect(file?.name).toBe(FILE.path)
    const fileUri = file?.facets?.dataSource?.uri ?? ''
    expect(fileUri).toBe('file:///srv/in/customers%202024%231.csv')
    expect(fileURLToPath(fileUri)).toBe(FILE.path)
    expect(raw?.namespace).toBe('strongroom://lake_7x2q')
    expect(raw?.name).toBe('crm.customers')
    expect(raw?.facets?.dataSource).toMatchObject({
      name: 'strongroom://lake_7x2q',
      uri: 'strongroom://lake_7x2q/crm.customers',
    })
    expect(raw?.facets?.schema?.fields).toEqual([
      { name: 'id', type: 'int64' },
      { name: 'email', type: 'string' },
      { name: 'phone', type: 'string' },
    ])
    const out = event?.outputs[0]
    expect(out?.facets?.strongroom_version).toMatchObject({ version: 2, datasetId: 'ds_def' })
    expect(event?.job).toEqual({ namespace: 'strongroom', name: 'protect.crm.customers_safe' })
    expect(event?.eventTime).toBe('2024-05-06T07:08:09.123Z')
    expect(event?.schemaURL).toBe(
      'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    )
  })

  it('records masking and tokenization in the column lineage, per input', () => {
    const fields = allEvents()['complete']?.outputs[0]?.facets?.columnLineage?.fields
    expect(fields?.['id']?.inputFields).toEqual([
      {
        namespace: 'strongroom://lake_7x2q',
        name: 'crm.customers',
        field: 'id',
        transformations: [
          { type: 'DIRECT', subtype: 'IDENTITY', description: 'identity', masking: false },
        ],
      },
    ])
    expect(fields?.['email_token']?.inputFields[0]?.transformations).toEqual([
      { type: 'DIRECT', subtype: 'TRANSFORMATION', description: 'tokenized', masking: true },
    ])
    // `input: 1` points at the second input, the file.
    expect(fields?.['phone']?.inputFields[0]).toMatchObject({
      namespace: 'file',
      name: FILE.path,
      field: 'phone',
      transformations: [{ masking: true, description: 'masked' }],
    })
  })

  it('replays recorded COMPLETE edges as valid events, one per run', () => {
    let n = 0
    const complete: BuildRunEventOptions = {
      eventType: 'COMPLETE',
      runId: RUN_ID,
      job: { name: 'protect.crm.customers_safe' },
      inputs: [RAW, FILE],
      outputs: [SAFE],
      eventTime: T0,
    }
    const edges = lineageEdgesOf(complete, () => `lin_${String(++n)}`)
    const failed = lineageEdgesOf(
      { ...complete, eventType: 'FAIL', runId: newRunId(), errorCode: 'ERR_INTERNAL' },
      () => `lin_${String(++n)}`,
    )
    const events = runEventsFromEdges([...edges, ...failed], {
      lakeId: 'lake_7x2q',
      datasetIds: new Map([['crm.customers_safe', 'ds_def']]),
    })
    expect(events).toHaveLength(1)
    const [replayed] = events
    expectValid(JSON.parse(JSON.stringify(replayed)))
    const original = buildRunEvent(complete)
    expect(replayed?.run.runId).toBe(RUN_ID)
    expect(replayed?.eventType).toBe('COMPLETE')
    expect(replayed?.inputs.map((d) => [d.namespace, d.name])).toEqual(
      original.inputs.map((d) => [d.namespace, d.name]),
    )
    expect(replayed?.outputs[0]?.facets?.columnLineage?.fields).toEqual(
      original.outputs[0]?.facets?.columnLineage?.fields,
    )
    expect(replayed?.outputs[0]?.facets?.strongroom_version).toMatchObject({
      version: 2,
      datasetId: 'ds_def',
    })
    // No id known for crm.customers: no version facet rather than a made-up id.
    expect(replayed?.inputs[0]?.facets?.strongroom_version).toBeUndefined()
  })

  it('puts only the error code in a FAIL event', () => {
    const fail = allEvents()['fail']
    expect(fail?.run.facets?.errorMessage).toEqual({
      _producer: STRONGROOM_PRODUCER,
      _schemaURL: FACET_SCHEMA_URLS.errorMessage,
      message: 'ERR_INPUT_MALFORMED',
      programmingLanguage: 'JavaScript',
    })
    expect(JSON.stringify(fail)).not.toMatch(/stack/i)
    expect(allEvents()['complete']?.run.facets?.errorMessage).toBeUndefined()
    expect(allEvents()['start']?.run.facets).toBeUndefined()
  })
})

describe('OpenLineage builders (no schema needed)', () => {
  it('makes v4 UUID run ids', () => {
    const ids = new Set(Array.from({ length: 50 }, newRunId))
    expect(ids.size).toBe(50)
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    }
  })

  it('refuses a bad run id, producer, time or column source', () => {
    const base: BuildRunEventOptions = { eventType: 'START', runId: RUN_ID, job: { name: 'j' } }
    const bad: BuildRunEventOptions[] = [
      { ...base, runId: 'run-1' },
      { ...base, producer: 'strongroom' },
      { ...base, eventTime: new Date(Number.NaN) },
      { ...base, inputs: [FILE], outputs: [{ ...SAFE }] }, // SAFE names input 1; only 0 exists
    ]
    for (const options of bad) {
      let caught: unknown
      try {
        buildRunEvent(options)
      } catch (e) {
        caught = e
      }
      expect(isStrongroomError(caught, 'ERR_USAGE_INVALID_ARGUMENT')).toBe(true)
    }
  })

  it('keeps a column named __proto__ as an ordinary key', () => {
    const event = buildRunEvent({
      eventType: 'COMPLETE',
      runId: RUN_ID,
      job: { name: 'j' },
      inputs: [FILE],
      outputs: [
        {
          ...RAW,
          columnLineage: [
            { target: '__proto__', sources: [{ field: 'id' }], transformation: 'identity' },
          ],
        },
      ],
    })
    const fields = event.outputs[0]?.facets?.columnLineage?.fields ?? {}
    expect(Object.keys(fields)).toEqual(['__proto__'])
    expect(JSON.parse(JSON.stringify(fields)) as unknown).toHaveProperty(['__proto__'])
  })

  it('derives one catalog edge per input and output, with the columns from that input', () => {
    let n = 0
    const edges = lineageEdgesOf(
      {
        eventType: 'COMPLETE',
        runId: RUN_ID,
        job: { name: 'protect.crm.customers_safe' },
        inputs: [RAW, FILE],
        outputs: [SAFE],
        eventTime: T0,
      },
      () => `lin_${String(++n)}`,
    )
    expect(edges).toEqual([
      {
        id: 'lin_1',
        runId: RUN_ID,
        job: 'protect.crm.customers_safe',
        eventType: 'COMPLETE',
        eventTime: T0,
        sourceKind: 'dataset',
        sourceName: 'crm.customers',
        sourceVersion: 4,
        targetKind: 'dataset',
        targetName: 'crm.customers_safe',
        targetVersion: 2,
        columnMap: [
          { target: 'id', sources: ['id'], transformation: 'identity' },
          { target: 'email_token', sources: ['email'], transformation: 'tokenized' },
        ],
      },
      {
        id: 'lin_2',
        runId: RUN_ID,
        job: 'protect.crm.customers_safe',
        eventType: 'COMPLETE',
        eventTime: T0,
        sourceKind: 'file',
        sourceName: FILE.path,
        sourceVersion: null,
        targetKind: 'dataset',
        targetName: 'crm.customers_safe',
        targetVersion: 2,
        columnMap: [{ target: 'phone', sources: ['phone'], transformation: 'masked' }],
      },
    ])
  })
})
