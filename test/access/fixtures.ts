/** A small table of principals and datasets that the decision matrix crosses with actions. */
import type { NDataset, NPrincipal } from './naive.js'

export const PRINCIPALS: NPrincipal[] = [
  { id: 'olga', roles: [], clearance: 'high', region: 'eu', mfa: true },
  { id: 'rita', roles: ['reader'], clearance: 'medium', region: 'eu', mfa: true },
  { id: 'pete', roles: ['reader', 'plaintext-reader'], clearance: 'high', region: 'us', mfa: true },
  { id: 'pat', roles: ['reader', 'plaintext-reader'], clearance: 'high', region: 'eu', mfa: false },
  {
    id: 'sam',
    roles: ['reader', 'plaintext-reader', 'ssn-reader'],
    clearance: 'high',
    region: 'us',
    mfa: true,
  },
  { id: 'adam', roles: ['admin'], clearance: 'high', region: 'eu', mfa: true },
  { id: 'dora', roles: ['detokenizer'], clearance: 'low', region: 'eu', mfa: true },
  { id: 'ravi', roles: ['reader', 'admin'], clearance: 'low', region: 'us', mfa: false },
  { id: 'nobody', roles: [], clearance: 'none', region: 'eu', mfa: false },
]

export const DATASETS: NDataset[] = [
  {
    id: 'crm.customers',
    owner: 'olga',
    region: 'eu',
    tags: ['domain=crm'],
    sensitivity: 'medium',
    purposes: ['training', 'analytics'],
    columns: [
      { name: 'id' },
      { name: 'email', classification: 'EMAIL_ADDRESS', sensitivity: 'medium', pii: true },
      { name: 'ssn', classification: 'US_SSN', sensitivity: 'high', tags: ['pii'] },
      { name: 'country', sensitivity: 'low' },
      { name: 'notes', tags: ['pii=free-text'], sensitivity: 'low' },
    ],
  },
  {
    id: 'hr.salaries',
    owner: 'olga',
    region: 'eu',
    tags: ['domain=hr', 'pii'],
    sensitivity: 'high',
    purposes: ['analytics'],
    columns: [
      { name: 'employee', classification: 'PERSON' },
      { name: 'salary', sensitivity: 'high' },
      { name: 'grade', tags: ['pii=false'] },
    ],
  },
  {
    id: 'web.events',
    owner: 'rita',
    region: 'us',
    tags: [],
    sensitivity: 'low',
    purposes: ['training'],
    columns: [
      { name: 'ts' },
      { name: 'ip', classification: 'IP_ADDRESS', sensitivity: 'medium' },
      { name: 'tax_id', classification: 'US_SSN', sensitivity: 'medium' },
    ],
  },
]

export const PURPOSES = ['training', 'analytics', '']
