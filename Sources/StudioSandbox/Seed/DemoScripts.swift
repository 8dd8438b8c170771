/// The words of the demo studio's conversations. Each script alternates
/// client and studio, starting with the client; a conversation uses a
/// prefix of one, so it ends waiting on the client or on the studio.
enum DemoScripts {
    struct Line {
        enum Sender { case client, studio, system }
        var sender: Sender
        var text: String
        var attachment: String? = nil
    }

    struct Script {
        var subject: String
        var lines: [Line]
    }

    static func c(_ text: String) -> Line { Line(sender: .client, text: text) }
    static func s(_ text: String, _ attachment: String? = nil) -> Line { Line(sender: .studio, text: text, attachment: attachment) }
    static func sys(_ text: String) -> Line { Line(sender: .system, text: text) }

    static let all: [Script] = [
        Script(subject: "Wedding Photography Inquiry", lines: [
            c("Hi {studio}! We're getting married next {month} at {venue} and love your work. Are you available?"),
            s("Congratulations, {first}! I'm available that day. I've attached our wedding price guide. Would you like to hop on a call this week?", "price-guide-2026.pdf"),
            c("Thank you! The Gold package looks perfect. Could we talk Thursday evening?"),
            s("Thursday at 7pm works. I'll send a calendar invite."),
            sys("Contract \"Wedding Agreement\" was signed by {name}."),
            c("Signed the contract! So excited. What do you need from us next?"),
            s("Wonderful! Next is the timeline. Here is a template to fill in when you have a moment.", "wedding-timeline.pdf"),
            c("Got it, we'll send it back by the end of the month."),
        ]),
        Script(subject: "Family portraits this fall", lines: [
            c("Hello! Do you still have fall mini-session spots? We're a family of five with two dogs."),
            s("Hi {first}! Yes, a few spots left on Saturday mornings at the orchard. Dogs are welcome!"),
            c("Great, can we book the 10:00 slot?"),
            s("Booked! You'll receive an invoice for the $150 retainer shortly."),
            sys("Invoice INV-{number} for $150.00 was paid."),
            c("Paid! Any outfit tips?"),
            s("Coordinating neutrals with one accent colour works beautifully. Avoid big logos."),
        ]),
        Script(subject: "Newborn session", lines: [
            c("Hi, our baby is due on the {day}th. When should we book a newborn session?"),
            s("Congratulations, {first}! Newborn sessions are best within the first two weeks. Let's pencil in a date and adjust after the birth."),
            c("Perfect. Do you bring wraps and props or should we?"),
            s("I bring everything: wraps, baskets and a warm space heater. Just bring the baby and lots of patience!"),
            c("Baby arrived early! Can we move the session to next week?"),
            s("How wonderful! Next Tuesday at 11am is open. Shall I book it?"),
        ]),
        Script(subject: "Engagement shoot", lines: [
            c("We just got engaged and want photos at the beach at sunset. Is that something you do?"),
            s("Absolutely, {first}! Sunset beach sessions are my favourite. Golden hour is around 7:45pm this month."),
            c("Amazing. What does it cost?"),
            s("Engagement sessions are $450 for 90 minutes and 60+ edited images. Full details are in the guide.", "price-guide-2026.pdf"),
            c("Let's do it. The 14th?"),
            s("The 14th is yours. I'll send the booking link."),
        ]),
        Script(subject: "Headshots for our team", lines: [
            c("Hi, we need headshots for 12 people at our office downtown. Do you travel?"),
            s("Hi {first}! Yes, I bring a portable studio. For 12 people plan on about 3 hours."),
            c("Could you send a quote?"),
            s("Of course: $1,200 for up to 12 people, including retouching. Happy to adjust if the team grows."),
        ]),
        Script(subject: "Gallery question", lines: [
            c("Hi! We received the gallery, it's stunning. How do we order prints?"),
            s("So glad you love it, {first}! Click the cart icon in the gallery; prints ship in about a week."),
            c("Is it possible to get a 24x36 canvas?"),
            s("Yes! I can add that size to your gallery store today."),
            c("Thank you so much!"),
        ]),
        Script(subject: "Maternity session", lines: [
            c("Hello! I'm 30 weeks along and would love a maternity session in a field of flowers."),
            s("Hi {first}, congratulations! The lavender farm is in bloom until the end of the month. Would a weekday evening work?"),
            c("Wednesday would be ideal. Can my partner join?"),
            s("Of course, partners and siblings are welcome. Wednesday at 6:30pm it is."),
            c("Wonderful. Do you have a dress closet?"),
            s("I do! I'll send you photos of the gowns in your size."),
        ]),
        Script(subject: "Rescheduling", lines: [
            c("Hi, something came up and we need to reschedule our session on Saturday. So sorry!"),
            s("No problem at all, {first}. I have Sunday morning or the following Saturday open."),
            c("The following Saturday works best."),
            s("Done, you're moved to the next Saturday at the same time."),
        ]),
    ]

    static let clients: [(name: String, email: String)] = [
        ("John Doe", "john@example.com"), ("Emma Wilson", "emma.wilson@example.com"),
        ("Olivia Brown", "olivia.b@example.com"), ("Noah Garcia", "noah.garcia@example.com"),
        ("Sophia Martinez", "sophia.m@example.com"), ("Liam Johnson", "liam.j@example.com"),
        ("Ava Thompson", "ava.thompson@example.com"), ("Mia Robinson", "mia.robinson@example.com"),
        ("Lucas Clark", "lucas.clark@example.com"), ("Isabella Lewis", "isabella.l@example.com"),
        ("Ethan Walker", "ethan.walker@example.com"), ("Amelia Hall", "amelia.hall@example.com"),
        ("Mason Young", "mason.young@example.com"), ("Harper King", "harper.king@example.com"),
        ("Chloé Lefèvre", "chloe.lefevre@example.com"),
    ]

    static let otherStudioClients: [(name: String, email: String)] = [
        ("Grace Lee", "grace.lee@example.com"), ("Henry Scott", "henry.scott@example.com"),
    ]

    static let venues = ["Harbour House", "the Botanical Gardens", "Willow Creek Barn", "the Lakeside Inn", "St. Mary's Chapel"]
    static let months = ["June", "July", "August", "September", "October", "May"]
}
