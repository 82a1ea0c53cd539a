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
  "notFound.text": ["Adressen peker ikke på noe her.", "There is nothing at this address."],
  "notFound.back": ["Til klientene", "Go to clients"],

  // Shared words
  save: ["Lagre", "Save"], // §11
  saved: ["Endringene er lagret.", "Your changes are saved."],
  noChanges: ["Ingen endringer å lagre.", "There are no changes to save."],
  cancel: ["Avbryt", "Cancel"],
  archive: ["Arkiver", "Archive"], // §11
  actions: ["Handlinger", "Actions"],
  reload: ["Last inn på nytt", "Reload"], // §11
  "stale.title": ["Endret av noen andre", "Changed by someone else"],
  "stale.text": [
    "Noen andre har endret {what} etter at du åpnet den. Last inn på nytt for å se endringene, og gjør dine endringer igjen.",
    "Someone else changed {what} after you opened it. Reload to see their changes, then make yours again.",
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
    "For mange forsøk. Vent litt, og prøv igjen.",
    "Too many attempts. Please wait a little and try again.",
  ],
  "auth.resetRequired": [
    "Du må velge et nytt passord før du kan logge inn. Velg «Glemt passordet?».",
    "You need to choose a new password before you can sign in. Choose “Forgot your password?”.",
  ],
  "auth.unsupported": [
    "Denne påloggingen kan ikke fullføres her. Kontakt oss.",
    "This sign-in cannot be completed here. Please contact us.",
  ],
  "auth.codeMismatch": [
    "Koden stemmer ikke. Sjekk e-posten og prøv igjen.",
    "The code is not right. Check the email and try again.",
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
    "Tiden for å velge passord gikk ut. Logg inn igjen med det midlertidige passordet.",
    "The time to choose a password ran out. Sign in again with the temporary password.",
  ],
  "forgot.link": ["Glemt passordet?", "Forgot your password?"],
  "forgot.title": ["Glemt passord", "Forgotten password"],
  "forgot.lead": [
    "Skriv e-postadressen du logger inn med, så sender vi deg en kode for å velge et nytt passord.",
    "Enter the email address you sign in with, and we will send you a code to choose a new password.",
  ],
  "forgot.send": ["Send kode", "Send code"],
  backToSignIn: ["Tilbake til innlogging", "Back to sign in"],
  code: ["Kode", "Code"],
  "reset.title": ["Velg nytt passord", "Choose a new password"],
  "reset.lead": [
    "Har {email} en bruker hos oss, har vi sendt en kode dit. Skriv koden og ditt nye passord.",
    "If {email} has a user with us, we have sent a code there. Enter the code and your new password.",
  ],
  "reset.save": ["Lagre nytt passord", "Save new password"],
  "reset.again": ["Send en ny kode", "Send a new code"],
  "reset.done": [
    "Passordet er endret. Logg inn med det nye passordet.",
    "Your password is changed. Sign in with the new password.",
  ],

  // Clients
  "clients.title": ["Klienter", "Clients"],
  "clients.lead": [
    "Klientene dere fører regnskap for. Fakturagrunnlaget viser dem ved navn.",
    "The clients you keep accounts for. The invoice basis names them.",
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
  "clients.bureau": ["Byråets egen klient", "Your firm's own client"],
  "clients.caption": ["Klienter", "Clients"],
  "clients.count": ["{total} klienter", "{total} clients"],
  "clients.countOne": ["1 klient", "1 client"],
  "clients.countFiltered": ["Viser {shown} av {total} klienter", "Showing {shown} of {total} clients"],
  "clients.none": [
    "Ingen klienter ennå. Legg til den første over.",
    "No clients yet. Add the first one above.",
  ],
  "clients.noMatch": ["Ingen klienter passer søket.", "No clients match the search."],
  "clients.archive.title": ["Arkivere {name}?", "Archive {name}?"],
  "clients.archive.text": [
    "Klienten forsvinner fra listen og kan ikke endres lenger. Fakturaer og grunnlag som alt er laget, viser den fortsatt.",
    "The client leaves the list and can no longer be changed. Invoices and bases already made still show it.",
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
    "Byråets egen klient kan ikke arkiveres.",
    "Your firm's own client cannot be archived.",
  ],
  "client.what": ["klienten", "the client"],
  "client.notFound.title": ["Fant ikke klienten", "Client not found"],
  "client.notFound.text": ["Klienten finnes ikke i registeret deres.", "The client is not in your register."],

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
    "{name} er lagt til og får en invitasjon på {email}.",
    "{name} has been added and gets an invitation at {email}.",
  ],
  "users.emailTaken": ["Denne e-postadressen er allerede i bruk.", "This email address is already in use."],
  "users.caption": ["Brukere", "Users"],
  "users.you": ["Deg", "You"],
  "users.makeAdmin": ["Gjør til administrator", "Make admin"],
  "users.makeUser": ["Gjør til bruker", "Make user"],
  "users.nowAdmin": ["{name} er nå administrator.", "{name} is now an admin."],
  "users.nowUser": ["{name} er nå bruker.", "{name} is now a user."],
  "users.lastAdmin": ["Firmaet må ha minst én administrator.", "The firm must keep at least one admin."],
  "users.remove": ["Fjern", "Remove"],
  "users.remove.title": ["Fjerne {name}?", "Remove {name}?"],
  "users.remove.text": ["{name} kan ikke logge inn lenger.", "{name} will no longer be able to sign in."],
  "users.removed": ["{name} er fjernet.", "{name} has been removed."],

  // Invoices
  "invoices.title": ["Fakturaer", "Invoices"],
  "invoices.lead": [
    "Fakturaene fra Periode & År, nyeste først, med PDF, EHF og fakturagrunnlaget for viderefakturering.",
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
  "invoices.annual": ["År {period}", "Year {period}"],
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
  "invoices.resend.text": [
    "Fakturaen sendes på e-post med PDF og EHF. La feltet stå tomt for å sende den til {address}.",
    "The invoice is emailed with its PDF and EHF. Leave the field empty to send it to {address}.",
  ],
  "invoices.resend.to": [
    "Send til en annen e-postadresse (valgfritt)",
    "Send to another email address (optional)",
  ],
  "invoices.resend.send": ["Send", "Send"],
  "invoices.resent": [
    "Faktura {number} sendes på nytt til {address}.",
    "Invoice {number} is being sent again to {address}.",
  ],
  "delivery.pending": ["Ikke sendt ennå", "Not sent yet"],
  "delivery.sent": ["Sendt", "Sent"],
  "delivery.delivered": ["Levert", "Delivered"],
  "delivery.failed": ["Ikke levert", "Not delivered"],

  // Company
  "company.title": ["Firma", "Company"],
  "company.lead": [
    "Opplysningene om firmaet som står på fakturaene fra oss.",
    "Your firm's details, as our invoices show them.",
  ],
  "company.profile": ["Firmaopplysninger", "Company details"],
  "company.name": ["Firmanavn", "Company name"],
  "company.orgNumber": ["Organisasjonsnummer", "Organisation number"],
  "company.email": ["E-post", "Email"],
  "company.email.hint": ["Adressen vi skriver til firmaet på.", "The address we write to your firm at."],
  "company.invoiceEmail": ["Faktura-e-post", "Invoice email"], // §11
  "company.invoiceEmail.hint": [
    "Fakturaene sendes hit. La feltet stå tomt for å bruke e-postadressen over.",
    "Invoices are sent here. Leave it empty to use the email address above.",
  ],
  "company.invoiceEmail.same": ["Samme som e-post", "Same as email"],
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
  "company.since": ["Gjeldende priser fra", "Current prices from"],
  "company.paidThrough": ["Betalt til og med", "Paid through"],
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
  "tenants.active": ["Aktiv", "Active"],
  "tenants.admin": ["Første administrator", "First admin"],
  "tenants.admin.hint": [
    "Får en e-post med et midlertidig passord.",
    "Gets an email with a temporary password.",
  ],
  "tenants.admin.name": ["Administratorens navn", "Admin's name"],
  "tenants.admin.email": ["Administratorens e-post", "Admin's email"],
  "tenants.create": ["Opprett kunde", "Create tenant"],
  "tenants.created": [
    "{name} er opprettet. {email} får en invitasjon.",
    "{name} has been created. {email} gets an invitation.",
  ],
  "tenants.taken": [
    "Kunden kan ikke opprettes: kunde-ID-en er i bruk, kunden flyttes fra den gamle plattformen, eller administratorens e-post er i bruk.",
    "The tenant cannot be created: the ID is taken, the firm will be moved from the old platform, or the admin's email is in use.",
  ],
  "tenants.none": ["Ingen kunder ennå.", "No tenants yet."],
  "package.KOMPLETT": ["Komplett", "Komplett (complete)"],
  "package.PERIODEAVSLUTNING": ["Periodeavslutning", "Periodeavslutning (period closing)"],
  "package.ARSOPPGJOR_PLUSS": ["Årsoppgjør Pluss", "Årsoppgjør Pluss (annual accounts)"],

  // Errors, in the page's words (never the API's)
  "error.general": [
    "Noe gikk galt. Prøv igjen, eller kontakt oss om det skjer igjen.",
    "Something went wrong. Try again, or contact us if it happens again.",
  ],
  "error.network": [
    "Fikk ikke kontakt med tjenesten, så ingenting er lagret. Det du skrev, er tatt vare på: prøv igjen.",
    "Could not reach the service, so nothing was saved. What you typed is kept: please try again.",
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
  "error.forbidden": ["Du har ikke tilgang til å gjøre dette.", "You do not have access to do this."],
  "error.notFound": ["Fant det ikke. Det kan være fjernet.", "Not found. It may have been removed."],
  "error.conflict": ["Dette strider mot reglene i registeret.", "This conflicts with the register's rules."],
  "error.tooLarge": ["Det du skrev er for langt.", "What you typed is too long."],
  "error.name": ["Skriv inn et navn (høyst 200 tegn).", "Enter a name (at most 200 characters)."],
  "error.orgNumber": [
    "Skriv et gyldig organisasjonsnummer: 9 siffer, for eksempel 974 760 673.",
    "Enter a valid organisation number: 9 digits, for example 974 760 673.",
  ],
  "error.email": [
    "Skriv en gyldig e-postadresse, for eksempel post@firma.no.",
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
    "Skriv landkoden med to bokstaver, for eksempel NO.",
    "Enter the country code as two letters, for example NO.",
  ],
  "error.tenantId": [
    "Bruk 1–64 bokstaver, sifre, punktum, bindestrek eller understrek, og start med en bokstav eller et siffer.",
    "Use 1–64 letters, digits, dots, hyphens or underscores, starting with a letter or digit.",
  ],
  "error.package": ["Velg en pakke.", "Choose a package."],
};
