using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Zapnoty.Api.OpenApi;

/// <summary>
/// The replies route takes JSON or a multipart form (<see cref="Tickets.ReplyFilesApi"/>); the two
/// are two endpoints but one operation, so the form is described here as the operation's second
/// request body: <c>text</c> and the repeated binary <c>files</c>.
/// </summary>
public sealed class MultipartReplyDocument : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var description = context.ApiDescription;
        var path = System.Text.RegularExpressions.Regex.Replace(description.RelativePath ?? "", @"\{(\w+):[^}]+\}", "{$1}").Trim('/');
        if (!string.Equals(description.HttpMethod, "POST", StringComparison.OrdinalIgnoreCase) || path != "v1/helpdesk/tickets/{ticketId}/replies") return;
        if (operation.RequestBody?.Content is not { } content) return;
        content[Tickets.ReplyFilesApi.FormContentType] = new OpenApiMediaType
        {
            Schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "files" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["text"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String, MaxLength = Grains.Tickets.TicketLimits.MaxTextLength,
                        Description = "Optional with files: the first file's caption when it fits (Telegram 1024 characters), else a message of its own sent first.",
                    },
                    [Tickets.ReplyFilesApi.ExpectedLastMessageIdField] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String, Format = "uuid",
                        Description = "The latest message the agent saw; when newer ones exist the reply is refused with 409 and newer_messages, and its files are not kept.",
                    },
                    ["files"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array, MinItems = 1, MaxItems = Grains.Files.FileLimits.MaxFilesPerReply,
                        Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                        Description = "1 to 10 files of at most 50 MB each; JPEG, PNG and WebP of at most 10 MB go as photos, everything else as documents.",
                    },
                },
            },
        };
        // The form's own refusal (413 is declared already: the route reads a body), shaped like the operation's other problems.
        if (operation.Responses is { } responses && !responses.ContainsKey("422") && responses.TryGetValue("402", out var problem) && problem.Content is { } problemContent)
            responses["422"] = new OpenApiResponse { Description = "Unprocessable Entity", Content = new Dictionary<string, IOpenApiMediaType>(problemContent) };
        operation.Description = (operation.Description is { Length: > 0 } said ? said + " " : "") + "Also takes multipart/form-data with text and one or more files (one credit per reply, however many files): " +
            "413 for a file over 50 MB or a request over the configured total, 422 for more than 10 files or an empty one. " +
            "Idempotency-Key applies to both bodies; a form's fingerprint is over its parts in order (names, file names, content types, bytes), not its boundary.";
    }
}
