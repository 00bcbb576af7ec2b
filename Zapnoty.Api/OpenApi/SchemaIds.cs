namespace Zapnoty.Api.OpenApi;

/// <summary>
/// Schema ids: the type's name under its namespace without <c>Zapnoty.</c> (<c>Api.Tickets.TicketPatch</c>);
/// a generic reads as its arguments before its name (<c>Page&lt;TicketDto&gt;</c> is <c>Api.TicketPage</c>),
/// never the CLR's name with assembly versions, so a version bump leaves the contract alone.
/// </summary>
public static class SchemaIds
{
    public static string Of(Type type)
    {
        if (!type.IsGenericType) return type.FullName!.Replace("Zapnoty.", "").Replace('+', '.');
        var name = type.Name[..type.Name.IndexOf('`')];
        var arguments = string.Concat(type.GetGenericArguments().Select(Short));
        return $"{type.Namespace!.Replace("Zapnoty.", "")}.{arguments}{name}";
    }

    private static string Short(Type argument)
    {
        var name = argument.IsGenericType ? Of(argument).Split('.')[^1] : argument.Name;
        return name.EndsWith("Dto", StringComparison.Ordinal) && name.Length > 3 ? name[..^3] : name;
    }
}
