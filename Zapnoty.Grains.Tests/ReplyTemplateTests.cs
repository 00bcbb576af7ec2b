using Zapnoty.Grains.CannedReplies;

namespace Zapnoty.Grains.Tests;

/// <summary>The canned reply template on its own: parsing, problems with positions, rendering.</summary>
public sealed class ReplyTemplateTests
{
    private static readonly IReadOnlyDictionary<string, string?> Ticket42 = ReplyVariables.Values(
        customerName: "Ivan Petrov", ticketNumber: 42, ticketSubject: "Refund for order 17", ticketType: "Billing",
        agentName: "Olga", projectName: "Acme Store");

    private static string Render(string template, IReadOnlyDictionary<string, string?>? values = null)
    {
        var parsed = ReplyTemplate.Parse(template);
        Assert.Empty(parsed.Problems);
        return parsed.Render(values ?? Ticket42);
    }

    private static TemplateProblem SingleProblem(string template) => Assert.Single(ReplyTemplate.Parse(template).Problems);

    [Theory]
    [InlineData("{{customer.name}}", "Ivan Petrov")]
    [InlineData("{{customer.first_name}}", "Ivan")]
    [InlineData("{{ticket.number}}", "42")]
    [InlineData("{{ticket.subject}}", "Refund for order 17")]
    [InlineData("{{ticket.type}}", "Billing")]
    [InlineData("{{agent.name}}", "Olga")]
    [InlineData("{{project.name}}", "Acme Store")]
    public void Every_variable_is_replaced_by_its_value(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Fact]
    public void Variables_sit_inside_ordinary_text()
    {
        Assert.Equal("Hi Ivan, ticket #42 (Billing) is with Olga at Acme Store.\nBye!",
            Render("Hi {{customer.first_name}}, ticket #{{ticket.number}} ({{ticket.type}}) is with {{agent.name}} at {{project.name}}.\nBye!"));
    }

    [Fact]
    public void A_fallback_is_used_only_when_the_value_is_empty_or_unknown()
    {
        var noName = ReplyVariables.Values(null, 7, "Help", null, "Olga", "Acme");
        Assert.Equal("Hi there", Render("Hi {{customer.first_name|there}}", noName));
        Assert.Equal("Hi Ivan", Render("Hi {{customer.first_name|there}}"));
        Assert.Equal("Type: general", Render("Type: {{ticket.type|general}}", noName));
        Assert.Equal("Hi there", Render("Hi {{customer.name|there}}", ReplyVariables.Values("   ", 7, "Help", null, "Olga", "Acme")));
        Assert.Equal("Hi there", Render("Hi {{customer.name|there}}", new Dictionary<string, string?>()));
        // Without a fallback an empty value is simply nothing.
        Assert.Equal("Type: .", Render("Type: {{ticket.type}}.", noName));
    }

    [Fact]
    public void An_empty_fallback_is_allowed_and_a_fallback_may_contain_bars()
    {
        var noType = ReplyVariables.Values("Ivan", 7, "Help", null, "Olga", "Acme");
        Assert.Equal("[]", Render("[{{ticket.type|}}]", noType));
        Assert.Equal("a|b", Render("{{ticket.type|a|b}}", noType));
    }

    [Fact]
    public void Whitespace_around_names_and_fallbacks_is_ignored()
    {
        Assert.Equal("Ivan Petrov", Render("{{ customer.name }}"));
        Assert.Equal("Hi there!", Render("Hi {{ customer.first_name | there }}!", ReplyVariables.Values(null, 1, "s", null, "a", "p")));
        Assert.Equal("Olga", Render("{{\n\tagent.name\n}}"));
    }

    [Fact]
    public void An_unknown_variable_is_named_with_its_0_based_position()
    {
        var problem = SingleProblem("Hello {{customer.age}}!");
        Assert.Equal(6, problem.Position);
        Assert.Contains("Unknown variable 'customer.age' at position 6", problem.Message);
        Assert.Contains("customer.first_name", problem.Message);

        // Names are exact: no other case, no whitespace in the middle.
        Assert.Equal(0, SingleProblem("{{Customer.Name}}").Position);
        Assert.Contains("'customer. name'", SingleProblem("{{customer. name}}").Message);
        Assert.Contains("Unknown variable 'customer.age' at position 0", SingleProblem("{{ customer.age | x }}").Message);
        Assert.Contains("Empty variable name at position 2", SingleProblem("a {{ | x}}").Message);
        Assert.Contains("Empty variable name at position 0", SingleProblem("{{}}").Message);
    }

    [Fact]
    public void An_unclosed_opening_is_named_with_its_position()
    {
        var problem = SingleProblem("Hi {{customer.name");
        Assert.Equal(3, problem.Position);
        Assert.Contains("Unclosed '{{' at position 3", problem.Message);

        // A '{{' that meets another '{{' before any '}}' is the unclosed one; the next one still counts.
        var template = ReplyTemplate.Parse("{{oops {{customer.first_name}}");
        Assert.Equal(0, Assert.Single(template.Problems).Position);
        Assert.Equal("{{oops Ivan", template.Render(Ticket42));
    }

    [Fact]
    public void Every_problem_is_listed_in_order()
    {
        var problems = ReplyTemplate.Parse("{{a}} {{customer.name}} {{b|x}} {{").Problems;
        Assert.Equal([0, 24, 32], problems.Select(p => p.Position));
        Assert.Contains("'a'", problems[0].Message);
        Assert.Contains("'b'", problems[1].Message);
        Assert.Contains("Unclosed", problems[2].Message);
    }

    [Fact]
    public void Positions_count_utf16_code_units_like_the_length_limit()
    {
        // "😀" is two UTF-16 code units, as in JavaScript's string indexes.
        Assert.Equal(3, SingleProblem("😀 {{nope}}").Position);
        Assert.Equal(2, SingleProblem("Ё\n{{nope}}").Position);
    }

    [Theory]
    [InlineData("}} closing first")]
    [InlineData("a } b { c")]
    [InlineData("{ {customer.name} }")]
    [InlineData("JSON: {\"a\": 1}}")]
    [InlineData("")]
    [InlineData("No variables at all.")]
    public void Text_that_is_not_a_variable_stays_as_written(string template) =>
        Assert.Equal(template, Render(template));

    [Fact]
    public void Values_are_inserted_as_plain_text_and_never_read_as_variables()
    {
        var sneaky = ReplyVariables.Values("{{agent.name}} {{project.name|x}}", 1, "{{customer.name}}", "{{", "}}{{agent.name}}", "{{ticket.type");
        Assert.Equal("Hi {{agent.name}} {{project.name|x}} / {{agent.name}} / {{customer.name}} / {{ / }}{{agent.name}} / {{ticket.type",
            Render("Hi {{customer.name}} / {{customer.first_name}} / {{ticket.subject}} / {{ticket.type}} / {{agent.name}} / {{project.name}}", sneaky));
    }

    [Theory]
    [InlineData("Ivan Petrov", "Ivan")]
    [InlineData("  Anna  ", "Anna")]
    [InlineData("Mary\tJane", "Mary")]
    [InlineData("Cher", "Cher")]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData(null, null)]
    public void The_first_name_is_the_first_word_of_the_name(string? name, string? expected) =>
        Assert.Equal(expected, ReplyVariables.FirstWord(name));

    [Theory]
    [InlineData("Olga Ivanova", "olga@example.com", "Olga Ivanova")]
    [InlineData("  Olga ", "olga@example.com", "Olga")]
    [InlineData(null, "olga.i@example.com", "olga.i")]
    [InlineData("", "support+team@example.com", "support+team")]
    public void An_agent_is_named_by_their_name_else_by_their_email_before_the_at(string? name, string email, string expected) =>
        Assert.Equal(expected, ReplyVariables.PersonName(name, email));

    [Fact]
    public void Rules_check_title_and_text_like_a_message()
    {
        Assert.Equal("Greeting", CannedReplyRules.Title("  Greeting "));
        Assert.Equal("title", Assert.Throws<DomainException>(() => CannedReplyRules.Title(" ")).Field);
        Assert.Equal("title", Assert.Throws<DomainException>(() => CannedReplyRules.Title(new string('t', 101))).Field);
        Assert.Equal(new string('t', 100), CannedReplyRules.Title(new string('t', 100)));

        Assert.Equal(" Hi {{customer.name}} ", CannedReplyRules.Text(" Hi {{customer.name}} "));
        Assert.Equal("text", Assert.Throws<DomainException>(() => CannedReplyRules.Text("")).Field);
        Assert.Equal("text", Assert.Throws<DomainException>(() => CannedReplyRules.Text(new string('x', 4097))).Field);
        Assert.Equal(new string('x', 4096), CannedReplyRules.Text(new string('x', 4096)));
        var unknown = Assert.Throws<DomainException>(() => CannedReplyRules.Text("Hi {{customer.age}}"));
        Assert.Equal(("text", DomainErrorKind.Invalid), (unknown.Field, unknown.Kind));
        Assert.Contains("'customer.age' at position 3", unknown.Message);
        Assert.Equal(2, CannedReplyRules.TextProblems("{{a}} {{b}}").Count());
    }

    [Fact]
    public void The_list_order_is_by_title_ignoring_case_then_id()
    {
        var a = Guid.Parse("00000000-0000-0000-0000-000000000001");
        var b = Guid.Parse("00000000-0000-0000-0000-000000000002");
        Assert.True(CannedReplyRules.Order("apple", b, "Banana", a) < 0);
        Assert.True(CannedReplyRules.Order("Apple", b, "apple", a) > 0);
        Assert.Equal(0, CannedReplyRules.Order("Apple", a, "Apple", a));
    }
}
