namespace Zapnoty.Grains.Tickets;

[GenerateSerializer]
[Alias("Zapnoty.Grains.Tickets.TicketStatus,Zapnoty.Grains")]
public enum TicketStatus { New, InProgress, Waiting, Closed }

[GenerateSerializer]
[Alias("Zapnoty.Grains.Tickets.TicketPriority,Zapnoty.Grains")]
public enum TicketPriority { Low, Normal, High, Urgent }

[GenerateSerializer]
[Alias("Zapnoty.Grains.Tickets.Channel,Zapnoty.Grains")]
public enum Channel { Telegram, Max, Api }

[GenerateSerializer]
[Alias("Zapnoty.Grains.Tickets.MessageAuthor,Zapnoty.Grains")]
public enum MessageAuthor { Customer, Agent, System }

[GenerateSerializer]
[Alias("Zapnoty.Grains.Tickets.Delivery,Zapnoty.Grains")]
public enum Delivery { Pending, Delivered, Failed, Webhook }
