import { Module } from '@nestjs/common';
import { AdminAuthModule } from '../settings/admin-auth.module';
import { ConnectChoiceStore } from './connect-choice.store';
import { ConnectController } from './connect.controller';
import { InstagramConnectService } from './instagram-connect.service';

@Module({
  imports: [AdminAuthModule],
  controllers: [ConnectController],
  providers: [InstagramConnectService, ConnectChoiceStore],
})
export class ConnectModule {}
