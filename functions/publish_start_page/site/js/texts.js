// Every text of the page: [bokmål, English]. {name} is filled in by t(key, {name}).
// The accessible names CONTRACT §11 fixes are marked "§11" (tests drive the page by them).
export const TEXTS = {
  // The shell
  skip: ["Hopp til innholdet", "Skip to content"],
  footer: [
    "Periode & År – klientregister for regnskapsbyråer",
    "Periode & År – the client register for accounting firms",
  ],
  "language.switch": ["English", "Norsk"], // §11
  signOut: ["Logg ut", "Sign out"], // §11
  "nav.label": ["Hovedmeny", "Main menu"],
  "nav.clients": ["Klienter", "Clients"], // §11
  "nav.users": ["Brukere", "Users"], // §11
  "nav.invoices": ["Fakturaer", "Invoices"], // §11
  "nav.company": ["Firma", "Company"], // §11
  "nav.tenants": ["Kunder", "Tenants"], // §11
  operator: ["Operatør", "Operator"],
  loading: ["Henter …", "Loading …"],
  signedOut: ["Du er logget ut.", "You are signed out."],
  sessionEnded: ["Økten er avsluttet. Logg inn igjen.", "Your session has ended. Please sign in again."],
  "loadFailed.title": ["Kunne ikke hente siden", "Could not load the page"],
  tryAgain: ["Prøv igjen", "Try again"],
  "notFound.title": ["Fant ikke siden", "Page not found"],
  "notFound.text": ["Det finnes ingen side på denne adressen.", "There is no page at this address."],
  "notFound.back": ["Til klientene", "Go to clients"],

  // Shared words
  save: ["Lagre", "Save"], // §11
  saved: ["Endringene er lagret.", "Your changes have been saved."],
  noChanges: ["Ingen endringer å lagre.", "There are no changes to save."],
  cancel: ["Avbryt", "Cancel"],
  archive: ["Arkiver", "Archive"], // §11
  actions: ["Handlinger", "Actions"],
  reload: ["Last inn på nytt", "Reload"], // §11
  "stale.title": ["Endret av noen andre", "Changed by someone else"],
  "stale.text": [
    "Noen andre har endret {what} etter at du åpnet siden. Last inn på nytt for å se endringene, og gjør endringene dine på nytt.",
    "Someone else has changed {what} since you opened the page. Reload to see their changes, then make yours again.",
  ],
  "role.admin": ["Administrator", "Admin"],
  "role.user": ["Bruker", "User"],

  // Signing in
  email: ["E-post", "Email"], // §11
  password: ["Passord", "Password"], // §11
  signIn: ["Logg inn", "Sign in"], // §11
  "signIn.title": ["Logg inn", "Sign in"],
  "signIn.lead": [
    "Klientregisteret til Periode & År. Logg inn med e-postadressen din.",
    "The Periode & År client register. Sign in with your email address.",
  ],
  "required.email": ["Skriv inn e-postadressen din.", "Enter your email address."],
  "required.password": ["Skriv inn passordet ditt.", "Enter your password."],
  "required.code": ["Skriv inn koden fra e-posten.", "Enter the code from the email."],
  "auth.wrong": ["Feil e-post eller passord. Prøv igjen.", "Wrong email or password. Please try again."],
  "auth.tooMany": [
    "For mange forsøk. Vent litt og prøv igjen.",
    "Too many attempts. Please wait a little and try again.",
  ],
  "auth.resetRequired": [
    "Du må velge et nytt passord før du kan logge inn. Bruk lenken «Glemt passordet?».",
    "You need to choose a new password before you can sign in. Use the “Forgot your password?” link.",
  ],
  "auth.unsupported": [
    "Innloggingen kan ikke fullføres her. Kontakt oss.",
    "This sign-in cannot be completed here. Please contact us.",
  ],
  "auth.codeMismatch": [
    "Koden stemmer ikke. Sjekk e-posten og prøv igjen.",
    "The code is incorrect. Check the email and try again.",
  ],
  "auth.codeExpired": ["Koden er utløpt. Be om en ny kode.", "The code has expired. Ask for a new one."],
  newPassword: ["Nytt passord", "New password"],
  repeatPassword: ["Gjenta nytt passord", "Repeat new password"],
  passwordRules: [
    "Minst 12 tegn, med minst én liten bokstav, én stor bokstav og ett siffer.",
    "At least 12 characters, with at least one lowercase letter, one uppercase letter and one digit.",
  ],
  "passwordRules.broken": [
    "Passordet må ha minst 12 tegn, med minst én liten bokstav, én stor bokstav og ett siffer.",
    "The password needs at least 12 characters, with at least one lowercase letter, one uppercase letter and one digit.",
  ],
  "passwordRules.mismatch": ["Passordene er ikke like.", "The passwords do not match."],
  "newPassword.title": ["Velg ditt eget passord", "Choose your own password"],
  "newPassword.lead": [
    "Du logget inn med et midlertidig passord. Velg et nytt passord for å fortsette.",
    "You signed in with a temporary password. Choose a new password to continue.",
  ],
  "newPassword.save": ["Lagre passord og logg inn", "Save password and sign in"],
  "newPassword.expired": [
    "Tiden for å velge nytt passord har gått ut. Logg inn igjen med det midlertidige passordet.",
    "The time to choose a new password has run out. Sign in again with the temporary password.",
  ],
  "forgot.link": ["Glemt passordet?", "Forgot your password?"],
  "forgot.title": ["Glemt passord", "Forgotten password"],
  "forgot.lead": [
    "Skriv inn e-postadressen du logger inn med, så sender vi deg en kode som du bruker til å velge nytt passord.",
    "Enter the email address you sign in with, and we will send you a code to choose a new password.",
  ],
  "forgot.send": ["Send kode", "Send code"],
  backToSignIn: ["Tilbake til innlogging", "Back to sign in"],
  code: ["Kode", "Code"],
  "reset.title": ["Velg nytt passord", "Choose a new password"],
  "reset.lead": [
    "Hvis {email} er registrert hos oss, har vi sendt en kode dit. Skriv inn koden og det nye passordet ditt.",
    "If {email} has an account with us, we have sent a code there. Enter the code and your new password.",
  ],
  "reset.save": ["Lagre nytt passord", "Save new password"],
  "reset.again": ["Send en ny kode", "Send a new code"],
  "reset.done": [
    "Passordet er endret. Logg inn med det nye passordet.",
    "Your password has been changed. Sign in with the new password.",
  ],

  // Clients
  "clients.title": ["Klienter", "Clients"],
  "clients.lead": [
    "Klientene du fører regnskap for. De står med navn i grunnlaget for viderefakturering.",
    "The clients you keep accounts for. The basis for re-invoicing lists them by name.",
  ],
  "clients.new": ["Ny klient", "New client"],
  "clients.name": ["Navn", "Name"], // §11
  "clients.orgNumber": ["Organisasjonsnummer", "Organisation number"], // §11
  "clients.orgNumber.hint": ["9 siffer", "9 digits"],
  "clients.add": ["Legg til klient", "Add client"], // §11
  "clients.added": ["{name} er lagt til.", "{name} has been added."],
  "clients.orgTaken": [
    "En annen aktiv klient har dette organisasjonsnummeret.",
    "Another active client has this organisation number.",
  ],
  "clients.search": ["Søk etter navn eller organisasjonsnummer", "Search by name or organisation number"],
  "clients.showArchived": ["Vis arkiverte", "Show archived"], // §11
  "clients.status": ["Status", "Status"],
  "clients.active": ["Aktiv", "Active"],
  "clients.archivedOn": ["Arkivert {date}", "Archived {date}"],
  "clients.bureau": ["Byråklient", "Your firm's own client"],
  "clients.caption": ["Klienter", "Clients"],
  "clients.count": ["{total} klienter", "{total} clients"],
  "clients.countOne": ["1 klient", "1 client"],
  "clients.countFiltered": ["Viser {shown} av {total} klienter", "Showing {shown} of {total} clients"],
  "clients.none": [
    "Ingen klienter ennå. Legg til den første ovenfor.",
    "No clients yet. Add the first one above.",
  ],
  "clients.noMatch": ["Ingen klienter passer til søket.", "No clients match the search."],
  "clients.archive.title": ["Arkivere {name}?", "Archive {name}?"],
  "clients.archive.text": [
    "Klienten skjules i listen og kan ikke lenger endres. Den står fortsatt på fakturaer og grunnlag for viderefakturering som allerede er laget.",
    "The client is hidden from the list and can no longer be changed. It still appears on invoices and bases for re-invoicing that have already been made.",
  ],
  "clients.archived": ["{name} er arkivert.", "{name} has been archived."],
  "clients.archive.refused": ["Denne klienten kan ikke arkiveres.", "This client cannot be archived."],
  "client.back": ["Tilbake til klientene", "Back to clients"],
  "client.edit": ["Endre klient", "Edit client"],
  "client.details": ["Opplysninger", "Details"],
  "client.readOnly": ["En arkivert klient kan ikke endres.", "An archived client cannot be changed."],
  "client.conflict": [
    "Klienten kan ikke endres nå. Last inn siden på nytt.",
    "The client cannot be changed now. Reload the page.",
  ],
  "client.bureauStays": [
    "Byråklienten kan ikke arkiveres.",
    "Your firm's own client cannot be archived.",
  ],
  "client.what": ["klienten", "the client"],
  "client.notFound.title": ["Fant ikke klienten", "Client not found"],
  "client.notFound.text": ["Klienten finnes ikke i klientregisteret.", "The client is not in your register."],

  // Users
  "users.title": ["Brukere", "Users"],
  "users.lead.admin": [
    "Alle som logger inn i klientregisteret for firmaet.",
    "Everyone who signs in to the client register for your firm.",
  ],
  "users.lead.user": [
    "Alle som logger inn i klientregisteret for firmaet. Bare en administrator kan legge til og endre brukere.",
    "Everyone who signs in to the client register for your firm. Only an admin can add and change users.",
  ],
  "users.new": ["Ny bruker", "New user"],
  "users.invitation": [
    "Den nye brukeren får en e-post med et midlertidig passord.",
    "The new user gets an email with a temporary password.",
  ],
  "users.name": ["Navn", "Name"],
  "users.email": ["E-post", "Email"],
  "users.role": ["Rolle", "Role"],
  "users.add": ["Legg til bruker", "Add user"], // §11
  "users.added": [
    "{name} er lagt til og får en invitasjon på e-post til {email}.",
    "{name} has been added and will receive an invitation at {email}.",
  ],
  "users.emailTaken": ["Denne e-postadressen er allerede i bruk.", "This email address is already in use."],
  "users.caption": ["Brukere", "Users"],
  "users.you": ["Du", "You"],
  "users.makeAdmin": ["Gjør til administrator", "Make admin"],
  "users.makeUser": ["Gjør til vanlig bruker", "Make regular user"],
  "users.nowAdmin": ["{name} er nå administrator.", "{name} is now an admin."],
  "users.nowUser": ["{name} er nå vanlig bruker.", "{name} is now a regular user."],
  "users.lastAdmin": ["Firmaet må ha minst én administrator.", "The firm must keep at least one admin."],
  "users.remove": ["Fjern", "Remove"],
  "users.remove.title": ["Fjerne {name}?", "Remove {name}?"],
  "users.remove.text": ["{name} kan ikke lenger logge inn.", "{name} will no longer be able to sign in."],
  "users.removed": ["{name} er fjernet.", "{name} has been removed."],

  // Invoices
  "invoices.title": ["Fakturaer", "Invoices"],
  "invoices.lead": [
    "Fakturaene fra Periode & År, nyeste først, med PDF, EHF og grunnlag for viderefakturering.",
    "Your invoices from Periode & År, newest first, with the PDF, EHF and the basis for re-invoicing.",
  ],
  "invoices.caption": ["Fakturaer, nyeste først", "Invoices, newest first"],
  "invoices.number": ["Nr.", "No."],
  "invoices.period": ["Periode", "Period"],
  "invoices.due": ["Forfallsdato", "Due date"],
  "invoices.total": ["Beløp (kr)", "Total (NOK)"],
  "invoices.delivery": ["Levering", "Delivery"],
  "invoices.documents": ["Dokumenter", "Documents"],
  "invoices.invoice": ["Faktura", "Invoice"],
  "invoices.creditNote": ["Kreditnota", "Credit note"],
  "invoices.annual": ["Årsfaktura {period}", "Annual invoice {period}"],
  "invoices.pdf": ["PDF", "PDF"],
  "invoices.ehf": ["EHF", "EHF"],
  "invoices.basis": ["Grunnlag", "Basis"],
  "invoices.downloaded": ["{name} er lastet ned.", "{name} has been downloaded."],
  "invoices.notReady": [
    "Dokumentene er ikke klare ennå. Prøv igjen om litt.",
    "The documents are not ready yet. Try again shortly.",
  ],
  "invoices.none": ["Ingen fakturaer ennå.", "No invoices yet."],
  "invoices.more": ["Vis flere fakturaer", "Show more invoices"],
  "invoices.resend": ["Send på nytt", "Send again"],
  "invoices.resend.title": ["Send faktura {number} på nytt", "Send invoice {number} again"],
  "invoices.resend.titleCredit": ["Send kreditnota {number} på nytt", "Send credit note {number} again"],
  "invoices.resend.text": [
    "Fakturaen sendes på e-post med PDF og EHF. La feltet stå tomt for å sende den til {address}.",
    "The invoice is emailed with its PDF and EHF. Leave the field empty to send it to {address}.",
  ],
  "invoices.resend.to": ["Annen e-postadresse (valgfritt)", "Another email address (optional)"],
  "invoices.resend.send": ["Send", "Send"],
  "invoices.resent": [
    "Faktura {number} sendes på nytt til {address}.",
    "Invoice {number} is being sent again to {address}.",
  ],
  "delivery.pending": ["Ikke sendt ennå", "Not sent yet"],
  "delivery.sent": ["Sendt", "Sent"],
  "delivery.delivered": ["Levert", "Delivered"],
  "delivery.failed": ["Levering mislyktes", "Delivery failed"],

  // Company
  "company.title": ["Firma", "Company"],
  "company.lead": [
    "Firmaopplysningene vi bruker på fakturaene og i e-post til firmaet.",
    "Your firm's details, as we use them on our invoices and in emails to your firm.",
  ],
  "company.profile": ["Firmaopplysninger", "Company details"],
  "company.name": ["Firmanavn", "Company name"],
  "company.orgNumber": ["Organisasjonsnummer", "Organisation number"],
  "company.email": ["E-post", "Email"],
  "company.email.hint": [
    "Adressen vi bruker når vi sender e-post til firmaet.",
    "The address we use when we email your firm.",
  ],
  "company.invoiceEmail": ["Faktura-e-post", "Invoice email"], // §11
  "company.invoiceEmail.hint": [
    "Fakturaene sendes hit. La feltet stå tomt for å bruke e-postadressen ovenfor.",
    "Invoices are sent here. Leave it empty to use the email address above.",
  ],
  "company.invoiceEmail.same": ["Samme som e-postadressen", "Same as the email address"],
  "company.reference": ["Deres referanse", "Your reference"],
  "company.reference.hint": [
    "Står på fakturaene, for eksempel et navn eller en bestillingsreferanse.",
    "Shown on invoices, for example a name or an order reference.",
  ],
  "company.language": ["Språk på fakturaer og e-post", "Language of invoices and emails"],
  "company.language.nb": ["Norsk (bokmål)", "Norwegian (bokmål)"],
  "company.address": ["Adresse", "Address"],
  "company.street": ["Gateadresse", "Street address"],
  "company.postalCode": ["Postnummer", "Postcode"],
  "company.city": ["Poststed", "City"],
  "company.country": ["Landkode", "Country code"],
  "company.country.hint": ["To bokstaver, for eksempel NO", "Two letters, for example NO"],
  "company.subscription": ["Abonnement", "Subscription"],
  "company.package": ["Pakke", "Package"],
  "company.status": ["Status", "Status"],
  "company.since": ["Ordinære priser fra", "Standard prices from"],
  // No break inside "til og med" / "and including" when the narrow card wraps the label
  "company.paidThrough": ["Forhåndsbetalt til\u00a0og\u00a0med", "Prepaid up to and\u00a0including"],
  "company.adminOnly": [
    "Bare en administrator kan endre firmaopplysningene.",
    "Only an admin can change the company details.",
  ],
  "company.what": ["firmaopplysningene", "the company details"],

  // Tenants (operators)
  "tenants.title": ["Kunder", "Tenants"],
  "tenants.lead": [
    "Alle regnskapsbyråene som bruker Periode & År.",
    "Every accounting firm that uses Periode & År.",
  ],
  "tenants.caption": ["Kunder", "Tenants"],
  "tenants.new": ["Ny kunde", "New tenant"],
  "tenants.id": ["Kunde-ID", "Tenant ID"],
  "tenants.id.hint": [
    "Bokstaver, sifre, punktum, bindestrek eller understrek, for eksempel hansen-regnskap.",
    "Letters, digits, dots, hyphens or underscores, for example hansen-accounting.",
  ],
  "tenants.name": ["Firmanavn", "Company name"],
  "tenants.orgNumber": ["Organisasjonsnummer", "Organisation number"],
  "tenants.email": ["Firmaets e-post", "Company email"],
  "tenants.package": ["Pakke", "Package"],
  "tenants.language": ["Språk", "Language"],
  "tenants.status": ["Status", "Status"],
  "tenants.admin": ["Første administrator", "First admin"],
  "tenants.admin.hint": [
    "Administratoren får en e-post med et midlertidig passord.",
    "The admin gets an email with a temporary password.",
  ],
  "tenants.admin.name": ["Administratorens navn", "Admin's name"],
  "tenants.admin.email": ["Administratorens e-post", "Admin's email"],
  "tenants.create": ["Opprett kunde", "Create tenant"],
  "tenants.created": [
    "{name} er opprettet. {email} får en invitasjon.",
    "{name} has been created. {email} will receive an invitation.",
  ],
  "tenants.taken": [
    "Kunden kan ikke opprettes. Enten er kunde-ID-en i bruk, kunden er under flytting fra den gamle plattformen, eller administratorens e-postadresse er allerede i bruk.",
    "The tenant cannot be created. Either the tenant ID is in use, the tenant is being moved from the old platform, or the admin's email address is already in use.",
  ],
  "tenants.none": ["Ingen kunder ennå.", "No tenants yet."],
  "package.KOMPLETT": ["Komplett", "Komplett (complete)"],
  "package.PERIODEAVSLUTNING": ["Periodeavslutning", "Periodeavslutning (period closing)"],
  "package.ARSOPPGJOR_PLUSS": ["Årsoppgjør Pluss", "Årsoppgjør Pluss (annual accounts)"],
  // A tenant's status (CONTRACT §2 writes only ACTIVE; any other is shown as not active, never raw)
  "status.ACTIVE": ["Aktiv", "Active"],
  "status.other": ["Ikke aktiv", "Not active"],

  // Errors, in the page's words (never the API's)
  "error.general": [
    "Noe gikk galt. Prøv igjen, eller kontakt oss om det skjer igjen.",
    "Something went wrong. Try again, or contact us if it happens again.",
  ],
  "error.network": [
    "Fikk ikke kontakt med tjenesten, så ingenting ble lagret. Det du skrev, er tatt vare på. Prøv igjen.",
    "Could not reach the service, so nothing was saved. What you typed has been kept. Please try again.",
  ],
  "error.networkLoad": [
    "Fikk ikke kontakt med tjenesten. Sjekk nettforbindelsen og prøv igjen.",
    "Could not reach the service. Check your connection and try again.",
  ],
  "error.networkAction": [
    "Fikk ikke kontakt med tjenesten. Prøv igjen.",
    "Could not reach the service. Please try again.",
  ],
  "error.invalid": [
    "Noen av feltene er ikke fylt ut riktig.",
    "Some of the fields are not filled in correctly.",
  ],
  "error.field": ["Sjekk dette feltet.", "Check this field."],
  "error.forbidden": ["Du har ikke tilgang til å gjøre dette.", "You do not have permission to do this."],
  "error.notFound": [
    "Finner ikke det du ba om. Det kan ha blitt fjernet.",
    "We could not find what you asked for. It may have been removed.",
  ],
  "error.conflict": [
    "Dette er ikke tillatt i klientregisteret.",
    "This is not allowed in the client register.",
  ],
  "error.tooLarge": ["Det du skrev, er for langt.", "What you typed is too long."],
  "error.name": ["Skriv inn et navn (høyst 200 tegn).", "Enter a name (at most 200 characters)."],
  "error.orgNumber": [
    "Skriv inn et gyldig organisasjonsnummer: 9 siffer, for eksempel 974 760 673.",
    "Enter a valid organisation number: 9 digits, for example 974 760 673.",
  ],
  "error.email": [
    "Skriv inn en gyldig e-postadresse, for eksempel post@firma.no.",
    "Enter a valid email address, for example post@firm.no.",
  ],
  "error.role": ["Velg en rolle.", "Choose a role."],
  "error.language": ["Velg et språk.", "Choose a language."],
  "error.reference": ["Referansen kan ha høyst 200 tegn.", "The reference can have at most 200 characters."],
  "error.address": ["Sjekk adressen.", "Check the address."],
  "error.street": [
    "Gateadressen kan ha høyst 200 tegn.",
    "The street address can have at most 200 characters.",
  ],
  "error.postalCode": ["Postnummeret kan ha høyst 20 tegn.", "The postcode can have at most 20 characters."],
  "error.city": ["Poststedet kan ha høyst 100 tegn.", "The city can have at most 100 characters."],
  "error.country": [
    "Skriv inn landkoden med to bokstaver, for eksempel NO.",
    "Enter the country code as two letters, for example NO.",
  ],
  "error.tenantId": [
    "Bruk 1–64 bokstaver, sifre, punktum, bindestrek eller understrek, og start med en bokstav eller et siffer.",
    "Use 1–64 letters, digits, dots, hyphens or underscores, starting with a letter or digit.",
  ],
  "error.package": ["Velg en pakke.", "Choose a package."],
};
