"""The GraphQL of the README's walk-throughs, verbatim (a test runs them on the demo data, and
another checks that the README still shows exactly these documents).

Demo ids: owner@acme.example is ``VXNlcjox`` (User:1), ana ``VXNlcjoy`` (User:2), david
``VXNlcjo1`` (User:5), henry ``VXNlcjo5`` (User:9); the portfolio "Acme Group" is
``UG9ydGZvbGlvOjE`` (Portfolio:1).
"""

DEACTIVATE_DAVID = """
mutation DeactivateDavid {
  deactivateUser(input: {userId: "VXNlcjo1", removeSeat: true}) {
    user { displayName status seat { status } }
    ownedItems { deals contacts leads organizations activities total }
    userErrors { field code message }
  }
}
"""

USE_UP_SEATS = """
mutation AddThreeUsers {
  ivy: addUser(input: {name: "Ivy Chen", email: "ivy@acme.example"}) {
    seat { status } userErrors { code message } }
  jack: addUser(input: {name: "Jack Ortiz", email: "jack@acme.example"}) {
    seat { status } userErrors { code message } }
  kim: addUser(input: {name: "Kim Park", email: "kim@acme.example"}) {
    seat { status } userErrors { code message } }
}
"""

PREVIEW_REACTIVATION = """
query PreviewReactivation {
  billingPreview(change: {reactivateUser: {userId: "VXNlcjo1"}}) {
    prorationDate
    immediateCharge { amount currencyCode }
    nextInvoiceBefore { amount }
    nextInvoiceAfter { amount }
    billableSeatsBefore
    billableSeatsAfter
    lines { description quantity unitPrice { amount } amount { amount } prorated periodEnd }
  }
}
"""

REACTIVATE_WITHOUT_OPT_IN = """
mutation ReactivateWithoutOptIn {
  reactivateUser(input: {userId: "VXNlcjo1"}) {
    user { status }
    billingPreview { immediateCharge { amount } }
    userErrors { field code message }
  }
}
"""

REACTIVATE_WITH_PURCHASE = """
mutation ReactivateDavid($at: DateTime!) {
  reactivateUser(input: {userId: "VXNlcjo1", allowSeatPurchase: true, prorationDate: $at,
                         idempotencyKey: "reactivate-david-1"}) {
    user { displayName status seat { status } }
    billingPreview { immediateCharge { amount currencyCode } }
    userErrors { field code message }
  }
}
"""

DELETE_HENRY = """
mutation DeleteHenry {
  deleteUser(input: {userId: "VXNlcjo5", transferOwnershipTo: "VXNlcjoy"}) {
    deletedUserId
    user { displayName status name email }
    transferred { deals contacts leads organizations activities total }
    userErrors { field code message }
  }
}
"""

BILLING_DASHBOARD = """
query BillingDashboard {
  upcomingInvoice {
    date
    lines { description quantity unitPrice { amount } amount { amount } }
    total { amount currencyCode }
  }
  billingLedger(first: 10) {
    edges { node {
      kind item description quantity amount { amount currencyCode } effectiveAt
      actor { displayName }
      auditEvent { action occurredAt }
    } }
  }
}
"""

FIFTY_NON_MARKETING = """
query FiftyNonMarketing {
  contactUsage { marketingContacts billedMarketingContacts percentUsed tier { limit } }
  contacts(first: 50, filter: {marketingStatus: NON_MARKETING}) { edges { node { id } } }
}
"""

PREVIEW_MARKETING = """
query PreviewMarketing($ids: [ID!]!) {
  billingPreview(change: {setMarketingStatus: {contactIds: $ids, status: MARKETING}}) {
    prorationDate
    immediateCharge { amount currencyCode }
    contactTierBefore { limit price { amount } }
    contactTierAfter { limit price { amount } }
    nextInvoiceBefore { amount }
    nextInvoiceAfter { amount }
    lines { description amount { amount } prorated periodStart periodEnd }
  }
}
"""

MAKE_MARKETING = """
mutation MakeMarketing($ids: [ID!]!, $at: DateTime!) {
  setMarketingStatus(input: {contactIds: $ids, status: MARKETING, prorationDate: $at}) {
    updatedCount
    usage { marketingContacts billedMarketingContacts percentUsed tier { limit } }
    billingPreview { immediateCharge { amount } contactTierAfter { limit } }
    userErrors { field code message }
  }
}
"""

BACK_TO_NON_MARKETING = """
mutation BackToNonMarketing($ids: [ID!]!) {
  setMarketingStatus(input: {contactIds: $ids, status: NON_MARKETING}) {
    updatedCount
    usage { marketingContacts billedMarketingContacts nextUpdateDate }
    userErrors { field code message }
  }
}
"""

SEE_BILLED_UNTIL = """
query SeeBilledUntil($id: ID!) {
  node(id: $id) { ... on Contact { name marketingStatus billedAsMarketingUntil } }
  notifications(first: 5) { edges { node { kind threshold message } } }
}
"""

PORTFOLIO_EXPORTS = """
query PortfolioExports {
  portfolio { id name accounts { name linkedAt } exportedAt(kind: BILLING) }
  billing: portfolioExport(portfolioId: "UG9ydGZvbGlvOjE", kind: BILLING) {
    filename contentType rowCount content }
  metric: portfolioExport(portfolioId: "UG9ydGZvbGlvOjE", kind: METRIC) {
    filename contentType rowCount content }
}
"""

CLOSE_PORTFOLIO = """
mutation ClosePortfolio {
  closePortfolio(input: {portfolioId: "UG9ydGZvbGlvOjE", reason: CONSOLIDATING_PORTFOLIOS,
                         details: "Merging into one group", confirmName: "  acme group "}) {
    closedPortfolioId
    disconnectedAccountIds
    reasonCategory
    userErrors { field code message }
  }
}
"""

TRANSFER_OWNERSHIP = """
mutation HandOver {
  transferAccountOwnership(input: {toUserId: "VXNlcjoy"}) {
    account { owner { displayName } }
    userErrors { field code message }
  }
}
"""

CLOSE_ACCOUNT = """
mutation CloseAcmeLabs {
  closeAccount(input: {confirmName: "ACME LABS", reason: "Moving to another CRM"}) {
    closedAccountId
    userErrors { field code message }
  }
}
"""

ALL = [
    DEACTIVATE_DAVID,
    USE_UP_SEATS,
    PREVIEW_REACTIVATION,
    REACTIVATE_WITHOUT_OPT_IN,
    REACTIVATE_WITH_PURCHASE,
    DELETE_HENRY,
    BILLING_DASHBOARD,
    FIFTY_NON_MARKETING,
    PREVIEW_MARKETING,
    MAKE_MARKETING,
    BACK_TO_NON_MARKETING,
    SEE_BILLED_UNTIL,
    PORTFOLIO_EXPORTS,
    CLOSE_PORTFOLIO,
    TRANSFER_OWNERSHIP,
    CLOSE_ACCOUNT,
]
