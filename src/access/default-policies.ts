/**
 * The policy set Strongroom ships. Nothing is allowed unless a `permit` matches (Cedar denies
 * by default), and every `forbid` is a guardrail that no `permit` can override.
 *
 * Column reads come in two strengths: `read` serves a column, masked when it is protected
 * (pii, sensitivity high, or classified); `readPlaintext` serves it in clear. See `planColumns`.
 */

/** The version id of {@link DEFAULT_POLICIES}; bump it with any change of the text. */
export const DEFAULT_POLICY_VERSION = 'default-3'

/** The default permits: owners, readers by clearance, administrators, detokenizers. */
export const DEFAULT_PERMITS = `
@id("owner-dataset-access")
@description("owners read, write, export, erase and list their datasets")
permit (
  principal,
  action in [
    Action::"read", Action::"readPlaintext", Action::"write",
    Action::"export", Action::"erase", Action::"list"
  ],
  resource is Dataset
)
when { resource.owner == principal };

@id("owner-column-access")
@description("owners read the columns of their datasets, in plaintext too")
permit (
  principal,
  action in [Action::"read", Action::"readPlaintext"],
  resource is Column
)
when { resource.dataset.owner == principal };

@id("admin-manage")
@description("administrators manage the lake, datasets, keys, principals and policies but read no data by default")
permit (
  principal in Role::"admin",
  action in [Action::"admin", Action::"manageKeys", Action::"managePolicy", Action::"list"],
  resource
);

@id("reader-dataset-by-clearance")
@description("readers read datasets up to their clearance")
permit (
  principal in Role::"reader",
  action in [Action::"read", Action::"list"],
  resource is Dataset
)
when { principal.clearance >= resource.sensitivity };

@id("reader-column-by-clearance")
@description("readers read columns up to their clearance; protected columns come masked")
permit (principal in Role::"reader", action == Action::"read", resource is Column)
when {
  principal.clearance >= resource.sensitivity &&
  principal.clearance >= resource.dataset.sensitivity
};

@id("plaintext-reader-column")
@description("plaintext readers see protected columns in clear, up to their clearance")
permit (principal in Role::"plaintext-reader", action == Action::"readPlaintext", resource is Column)
when {
  principal.clearance >= resource.sensitivity &&
  principal.clearance >= resource.dataset.sensitivity
};

@id("detokenizer")
@description("detokenizers reverse tokens")
permit (principal in Role::"detokenizer", action == Action::"detokenize", resource);
`

/**
 * The organization guardrails: `forbid` policies that beat every `permit`. An MFA guardrail
 * on plaintext is not among them: a local session has no second factor to show, so it would
 * mask every protected column for everyone; it ships as an example for server identities
 * (docs/examples/policy/guardrails-mfa.cedar).
 */
export const DEFAULT_GUARDRAILS = `
@id("guardrail-export-region")
@description("no export outside the dataset's region")
forbid (principal, action == Action::"export", resource is Dataset)
unless { context.destinationRegion == resource.region };

@id("guardrail-ssn-plaintext")
@description("US_SSN columns are seen in clear only by members of Role::\\"ssn-reader\\"")
forbid (
  principal,
  action in [Action::"readPlaintext", Action::"detokenize"],
  resource is Column
)
when { resource.classification == "US_SSN" }
unless { principal in Role::"ssn-reader" };

@id("guardrail-purpose-training-dataset")
@description("training reads only datasets whose purposes contain training")
forbid (
  principal,
  action in [Action::"read", Action::"readPlaintext", Action::"export", Action::"detokenize"],
  resource is Dataset
)
when { context.purpose == "training" && !resource.purposes.contains("training") };

@id("guardrail-purpose-training-column")
@description("training reads only columns of datasets whose purposes contain training")
forbid (
  principal,
  action in [Action::"read", Action::"readPlaintext", Action::"detokenize"],
  resource is Column
)
when { context.purpose == "training" && !resource.dataset.purposes.contains("training") };
`

/** The shipped policy texts, as {@link PolicyEngine.create} takes them. */
export const DEFAULT_POLICIES: readonly { readonly name: string; readonly text: string }[] = [
  { name: 'default-permits.cedar', text: DEFAULT_PERMITS },
  { name: 'default-guardrails.cedar', text: DEFAULT_GUARDRAILS },
]
