namespace Zapnoty.Grains.Tickets;

[GenerateSerializer]
[Alias("Zapnoty.Grains.Tickets.TicketStatus")]
public enum TicketStatus { New, InProgress, Waiting, Closed }

[GenerateSerializer]
[Alias("Zapnoty.Grains.Tickets.TicketPriority")]
public enum TicketPriority { Low, Normal, High, Urgent }

[GenerateSerializer]
[Alias("Zapnoty.Grains.Tickets.Channel")]
public enum Channel { Telegram, Max, Api }

[GenerateSerializer]
[Alias("Zapnoty.Grains.Tickets.MessageAuthor")]
public enum MessageAuthor { Customer, Agent, System }

[GenerateSerializer]
[Alias("Zapnoty.Grains.Tickets.Delivery")]
public enum Delivery { Pending, Delivered, Failed, Webhook }
