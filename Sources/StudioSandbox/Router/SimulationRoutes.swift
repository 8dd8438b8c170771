import Hummingbird
import PixiesetModels

/// `/_sandbox/…`: what happens in the studio outside the API (a client
/// writes in, the photographer answers or reads in the web app) and the
/// sandbox's own controls. Outside `/api/v1`, without cookie or faults.
enum SimulationRoutes {
    static func add<Context: RequestContext>(to router: Router<Context>, environment env: SandboxEnvironment) {
        let sim = router.group("_sandbox")

        sim.get("health") { _, _ in
            try JSONResponse.make(Health(
                status: "ok", baseURL: "\(env.origin)/api/v1", database: env.database.path,
                faults: env.controls.faults.description, quirks: env.controls.quirks.description))
        }

        sim.post("conversations/:id/messages") { request, context in
            let body = try await decode(TextBody.self, request)
            let message = try await env.database.clientWritesIn(
                conversationID: context.parameters.get("id") ?? "", content: body.content)
            return try JSONResponse.data(message, status: .created)
        }

        sim.post("inquiries") { request, _ in
            let body = try await decode(InquiryBody.self, request)
            let message = try await env.database.inquiry(
                name: body.name, email: body.email, content: body.content, subject: body.subject)
            return try JSONResponse.data(message, status: .created)
        }

        sim.post("conversations/:id/replies") { request, context in
            let body = try await decode(TextBody.self, request)
            let message = try await env.database.studioReplies(
                conversationID: context.parameters.get("id") ?? "", content: body.content)
            return try JSONResponse.data(message, status: .created)
        }

        sim.post("conversations/:id/read") { _, context in
            try JSONResponse.data(try await env.database.studioReads(conversationID: context.parameters.get("id") ?? ""))
        }

        sim.put("faults") { request, _ in
            try await replaceSpec(request) { env.controls.setFaults(try FaultPlan(parsing: $0)); return env.controls.faults.description }
        }

        sim.put("quirks") { request, _ in
            try await replaceSpec(request) { env.controls.setQuirks(try Quirks(parsing: $0)); return env.controls.quirks.description }
        }

        router.get("login") { _, _ in JSONResponse.html(LoginPage.html) }
    }

    /// Applies `{"spec": "…"}` with `apply`, answering the spec now in force;
    /// a spec that does not parse is a 400 naming what is wrong.
    private static func replaceSpec(_ request: Request, apply: (String) throws -> String) async throws -> Response {
        let body = try await decode(SpecBody.self, request)
        do {
            return try JSONResponse.data(SpecBody(spec: try apply(body.spec)))
        } catch let error as SandboxSetupError {
            throw SandboxError.validation(error.description)
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        try APIRoutes.decodeJSON(type, from: try await APIRoutes.collect(request, limit: APIRoutes.maximumJSONBody))
    }

    struct TextBody: Codable { var content: String }

    struct InquiryBody: Codable {
        var name: String
        var email: String
        var content: String
        var subject: String?
    }

    struct SpecBody: Codable, Sendable { var spec: String }

    struct Health: Codable, Sendable {
        var status: String
        var baseURL: String
        var database: String
        var faults: String
        var quirks: String

        enum CodingKeys: String, CodingKey {
            case status, database, faults, quirks
            case baseURL = "base_url"
        }
    }
}
