import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { InstagramMessageDeleteProcessor } from './instagram-message-delete.processor';
import { MessageDeleteService } from './message-delete.service';
import { MetaDataDeletionProcessor } from './meta-data-deletion.processor';
import { MetaDataDeletionService } from './meta-data-deletion.service';

/** Instagram message deletes (applied in LiveChat) and Meta data-deletion requests. */
@Module({
  imports: [LifecycleModule],
  providers: [
    MessageDeleteService,
    InstagramMessageDeleteProcessor,
    MetaDataDeletionService,
    MetaDataDeletionProcessor,
  ],
})
export class DeletionModule {}
